"""The app model: what a request for an app may ask, and the one-line refusals."""

from __future__ import annotations

import pytest

from campushub.apps import model
from campushub.config import validate

SITE = validate({})
COMMANDS = validate({"apps": {"allow_command": True}})


def refused(options, config=SITE) -> model.AppError:
    with pytest.raises(model.AppError) as e:
        model.check(options, config)
    assert "\n" not in str(e.value)
    return e.value


def test_a_streamlit_app_from_a_file_in_the_home_or_a_project():
    spec = model.check({"kind": "streamlit", "path": "projects/churn/./app.py", "title": " Churn "}, SITE)
    assert spec == model.AppSpec(kind="streamlit", path="projects/churn/app.py", title="Churn")
    assert model.check(spec.as_options(), SITE) == spec  # what the spawner keeps is accepted back


@pytest.mark.parametrize("path", ["/etc/passwd.py", "../other/app.py", "work/../../x.py", "~/app.py", "", None,
                                  "a\0.py", "work/\napp.py", ".."])
def test_paths_outside_the_home_are_refused(path):
    assert refused({"kind": "streamlit", "path": path}).message == model.BAD_PATH


def test_each_kind_starts_from_its_own_files():
    assert model.check({"kind": "voila", "path": "nb.ipynb"}, SITE).kind == "voila"
    assert model.check({"kind": "panel", "path": "nb.ipynb"}, SITE).kind == "panel"
    e = refused({"kind": "voila", "path": "app.py"})
    assert e.message == model.BAD_SUFFIX and e.params["suffixes"] == ".ipynb"
    assert refused({"kind": "dash", "path": "app.ipynb"}).message == model.BAD_SUFFIX


def test_commands_only_where_the_site_allows_them():
    e = refused({"kind": "command", "command": ["python", "-m", "http.server", "{port}"]})
    assert e.message == model.BAD_KIND and "command" not in e.params["allowed"]
    spec = model.check({"kind": "command", "command": ["python", "-m", "http.server", "{port}"]}, COMMANDS)
    assert spec.command == ("python", "-m", "http.server", "{port}") and spec.path == ""
    assert spec.as_options()["command"] == ["python", "-m", "http.server", "{port}"]
    assert refused({"kind": "command", "command": []}, COMMANDS).message == model.BAD_COMMAND
    assert refused({"kind": "command", "command": "rm -rf ~"}, COMMANDS).message == model.BAD_COMMAND
    assert refused({"kind": "streamlit", "path": "a.py", "command": ["x"]}, COMMANDS).message == model.NO_COMMAND


def test_kinds_and_switching_apps_off_come_from_the_site():
    only = validate({"apps": {"kinds": ["panel"]}})
    assert refused({"kind": "streamlit", "path": "a.py"}, only).params["allowed"] == "panel"
    off = validate({"apps": {"enabled": False}})
    assert refused({"kind": "streamlit", "path": "a.py"}, off).message == model.NOT_ENABLED
    assert refused({"kind": "streamlit", "path": "a.py"}, validate({"apps": {"max_per_person": 0}})).message \
        == model.NOT_ENABLED


@pytest.mark.parametrize("options, message", [
    ([], model.NOT_AN_OBJECT),
    ({"kind": "streamlit", "path": "a.py", "env": {}}, model.UNKNOWN_KEY),
    ({"kind": "streamlit", "path": "a.py", "title": "x" * 101}, model.BAD_TITLE),
    ({"kind": "streamlit", "path": "a.py", "title": 3}, model.BAD_TITLE),
    ({"kind": "shiny", "path": "a.py"}, model.BAD_KIND),
])
def test_malformed_requests(options, message):
    assert refused(options).message == message


def test_server_names():
    assert model.server_name("churn-2") == "app-churn-2" and model.is_app("app-churn-2")
    assert not model.is_app("") and not model.is_app(None) and not model.is_app("lab")
    for slug in ("", "Churn", "-x", "a" * 32, "a/b"):
        with pytest.raises(model.AppError):
            model.server_name(slug)
    model.check_server_name("app-ok")
    with pytest.raises(model.AppError):
        model.check_server_name("app-Bad")


def test_refusals_are_translated():
    e = refused({"kind": "voila", "path": "app.py"})
    assert e.translated("ja") != str(e) and ".ipynb" in e.translated("ja")
    assert e.translated("ru") != str(e)
