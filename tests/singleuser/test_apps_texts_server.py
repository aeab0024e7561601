"""The server half of JupyterLab's "Share an app" (singleuser/apps_texts.py):
a real JupyterLab with the extension laid as user environments get it
(files.py) and the hub's variable (hub/apps/texts.py) serves the labels in its
page config, where labextension/src/apps.js reads them; without the variable
(apps off) or with a broken one it adds nothing, and the plugin stays away."""

from __future__ import annotations

import importlib.util
import json
import os
from types import SimpleNamespace

import pytest

from campushub.config import validate
from campushub.hub.apps.texts import TEXTS_ENV, server_env
from campushub.singleuser.files import SITE_PACKAGES, server_files

from .conftest import lab_page_config

MODULE = SITE_PACKAGES + "campushub_apps_texts.py"
ENABLE = "etc/jupyter/jupyter_server_config.d/campushub_apps_texts.json"


def _module(tmp_path):
    path = tmp_path / "campushub_apps_texts.py"
    path.write_text(server_files()[MODULE])
    spec = importlib.util.spec_from_file_location("campushub_apps_texts", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_environment_loads_the_extension():
    files = server_files()
    assert MODULE in files
    assert json.loads(files[ENABLE]) == {"ServerApp": {"jpserver_extensions": {"campushub_apps_texts": True}}}


@pytest.mark.parametrize("value", [None, "", "not json", '["Share an app"]'])
def test_no_labels_without_the_hubs_variable(tmp_path, monkeypatch, value):
    if value is None:
        monkeypatch.delenv(TEXTS_ENV, raising=False)
    else:
        monkeypatch.setenv(TEXTS_ENV, value)
    app = SimpleNamespace(web_app=SimpleNamespace(settings={}))
    _module(tmp_path)._load_jupyter_server_extension(app)
    assert "campushubApps" not in app.web_app.settings.get("page_config_data", {})


def test_jupyterlab_serves_the_labels_in_its_page_config(tmp_path):
    site, config, home = tmp_path / "site", tmp_path / "config", tmp_path / "home"
    for d in (site, config / "jupyter_server_config.d", home):
        d.mkdir(parents=True)
    (site / "campushub_apps_texts.py").write_text(server_files()[MODULE])
    (config / "jupyter_server_config.d" / "campushub_apps_texts.json").write_text(server_files()[ENABLE])
    labels = server_env(validate({}), "ja")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "CAMPUSHUB_"))}
    environ.update(labels, HOME=str(home), PYTHONPATH=str(site), JUPYTER_CONFIG_PATH=str(config),
                   JUPYTER_CONFIG_DIR=str(tmp_path / "user-config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
                   JUPYTER_DATA_DIR=str(tmp_path / "data"))
    data = lab_page_config(environ, home, tmp_path)
    shown = json.loads(data["campushubApps"])
    assert shown == json.loads(labels[TEXTS_ENV])
    assert shown["Share an app"] == "アプリを共有"
