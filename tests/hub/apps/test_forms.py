"""The apps page's forms, checked before anything changes: each refusal one
line naming what was wrong, in the person's language."""

from __future__ import annotations

import pytest

from campushub.apps.model import AppError
from campushub.config import validate
from campushub.hub.apps import forms

SITE = validate({"apps": {"allow_command": False}})
WITH_COMMAND = validate({"apps": {"allow_command": True}})


def form(**fields):
    return {"kind": "streamlit", "path": "projects/churn/app.py", "name": "churn", "title": "", **fields}


def test_a_good_form_becomes_the_named_server_and_its_user_options():
    request = forms.start_request(form(title=" Churn dashboard "), SITE)
    assert request.server == "app-churn"
    assert request.options == {"campushub_app": {"kind": "streamlit", "path": "projects/churn/app.py",
                                                 "title": "Churn dashboard"}}


def test_the_title_defaults_to_the_name():
    assert forms.start_request(form(), SITE).options["campushub_app"]["title"] == "churn"


@pytest.mark.parametrize("fields, english", [
    ({"name": "Churn Model"}, "An app's server name is app- followed by 1 to 31 lower-case letters"),
    ({"name": ""}, "An app's server name is app-"),
    ({"name": "a" * 32}, "An app's server name is app-"),
    ({"path": "../bob/app.py"}, "The app file must be a path inside your home"),
    ({"path": "/etc/passwd"}, "The app file must be a path inside your home"),
    ({"path": ""}, "The app file must be a path inside your home"),
    ({"kind": "shiny"}, "The app kind shiny is not available"),
    ({"kind": "command", "command": "python app.py"}, "The app kind command is not available"),
    ({"kind": "voila", "path": "app.py"}, "A voila app starts from a file ending in .ipynb"),
    ({"title": "x" * 101}, "The title must be a text of at most 100 characters"),
])
def test_bad_start_forms_are_refused_with_one_line(fields, english):
    with pytest.raises(AppError) as caught:
        forms.start_request(form(**fields), SITE)
    assert str(caught.value).startswith(english) and "\n" not in str(caught.value)
    assert caught.value.translated("ja") != str(caught.value)  # the catalog has it


def test_a_command_is_split_like_a_shell_line_when_the_site_allows_commands():
    request = forms.start_request(form(kind="command", path="", command="python 'my app.py' --port {port}"),
                                  WITH_COMMAND)
    assert request.options["campushub_app"]["command"] == ["python", "my app.py", "--port", "{port}"]


def test_a_command_with_an_open_quote_is_refused_in_the_persons_language():
    with pytest.raises(forms.Problem) as caught:
        forms.start_request(form(kind="command", command="python 'app.py"), WITH_COMMAND)
    assert caught.value.translated("en").startswith("The command cannot be read (No closing quotation)")
    assert caught.value.translated("ja").startswith("コマンドを読み取れません")


@pytest.mark.parametrize("fields, source", [
    ({"kind": "everyone", "name": "x"}, forms.BAD_SHARE_KIND),
    ({"kind": "user", "name": "  "}, forms.NO_SHARE_NAME),
])
def test_bad_share_forms_are_refused(fields, source):
    with pytest.raises(forms.Problem) as caught:
        forms.share_target(fields)
    assert caught.value.source == source


def test_share_targets():
    assert forms.share_target({"kind": "group", "name": " churn-model "}) == ("group", "churn-model")
    assert forms.share_target({"kind": "user", "name": "bob"}) == ("user", "bob")


@pytest.mark.parametrize("path, slug, kind", [
    ("projects/churn-model/Churn App.py", "churn-app", "streamlit"),
    ("work/report.ipynb", "report", "voila"),
    ("work/___.py", "app", "streamlit"),
    ("", "app", "streamlit"),
])
def test_defaults_from_a_file_prefill_the_form(path, slug, kind):
    assert forms.slug_for(path) == slug
    assert forms.default_kind(path, ["streamlit", "dash", "panel", "voila"]) == kind


def test_app_names_on_forms():
    assert forms.app_server("churn") == "app-churn"
    with pytest.raises(AppError):
        forms.app_server("../../admin")
