""""Run as job…": every text JupyterLab's plugin (labextension/src/jobs.js)
and its server extension (singleuser/jobs_server.py) can show is one the hub
translates at spawn (hub/jobs_texts.py), in ja and ru, and the hub hands
them only to servers of a site that runs jobs."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from campushub.config import validate
from campushub.hub import jobs_texts
from campushub.i18n import catalog
from campushub.singleuser import jobs_server
from campushub.singleuser.files import SITE_PACKAGES, server_files

SINGLEUSER = Path(__file__).resolve().parents[2] / "campushub" / "singleuser"
PLUGIN = SINGLEUSER / "labextension" / "src" / "jobs.js"


def extension_strings() -> set[str]:
    """The server extension's messages: its upper-case string constants."""
    found = set()
    for node in ast.parse((SINGLEUSER / "jobs_server.py").read_text()).body:
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper()
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            found.add(node.value.value)
    return found


def plugin_strings() -> set[str]:
    """say('...') in jobs.js, a call spread over lines included."""
    return set(re.findall(r"say\(\s*'([^']+)'\s*\)", PLUGIN.read_text()))


def test_the_hub_translates_exactly_what_the_plugin_and_the_extension_say():
    said = extension_strings() | plugin_strings()
    assert len(plugin_strings()) > 10 and len(extension_strings()) == 3
    assert said == set(jobs_texts.TEXTS)


@pytest.mark.parametrize("lang", ["ja", "ru"])
def test_every_text_is_translated(lang):
    missing = [t for t in jobs_texts.TEXTS if not catalog(lang).get(t)]
    assert not missing, missing


def test_no_texts_where_the_site_runs_no_jobs():
    assert jobs_texts.server_env(validate({}), "ja") == {}
    assert jobs_texts.server_env({}, "ja") == {}


def test_the_server_gets_them_in_the_persons_language_with_the_pages_address():
    config = validate({"jobs": {"enabled": True}, "hub": {"base_url": "/campus/"}})
    value = json.loads(jobs_texts.server_env(config, "ja")[jobs_texts.TEXTS_ENV])
    assert value["lang"] == "ja" and value["page"] == "/campus/services/jobs/"
    assert value["texts"]["Run as job…"] == catalog("ja")["Run as job…"]


@pytest.mark.parametrize("value", [None, "", "not json", '["Run as job…"]'])
def test_the_extension_adds_nothing_without_the_hubs_variable(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(jobs_texts.TEXTS_ENV, raising=False)
    else:
        monkeypatch.setenv(jobs_texts.TEXTS_ENV, value)
    app = SimpleNamespace(web_app=SimpleNamespace(settings={"base_url": "/"}, add_handlers=pytest.fail))
    jobs_server._load_jupyter_server_extension(app)
    assert "campushubJobs" not in app.web_app.settings.get("page_config_data", {})


def test_every_environment_gets_the_extension():
    files = server_files()
    assert files[SITE_PACKAGES + "campushub_jobs.py"] == (SINGLEUSER / "jobs_server.py").read_text()
    enable = json.loads(files["etc/jupyter/jupyter_server_config.d/campushub_jobs.json"])
    assert enable == {"ServerApp": {"jpserver_extensions": {"campushub_jobs": True}}}
