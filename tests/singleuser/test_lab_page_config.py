"""JupyterLab offers no build in a user environment (shared and read-only:
nobody could rebuild it there), so its "Build Recommended" dialog, which
dash's source extension in the environment brought up at every start, is
gone: the environment's etc/jupyter/labconfig/page_config.json says so, and
a real JupyterLab with that directory on its config path serves it."""

from __future__ import annotations

import json
import os

from campushub.deploy.local.singleuser_files import ensure_singleuser_files
from campushub.singleuser.files import server_files

from .conftest import lab_page_config


def test_every_environment_turns_jupyterlabs_build_off():
    laid = json.loads(server_files()["etc/jupyter/labconfig/page_config.json"])
    assert laid == {"buildAvailable": False, "buildCheck": False}


def test_jupyterlab_of_a_local_environment_checks_for_no_build(tmp_path):
    env = tmp_path / "env"
    (env / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    ensure_singleuser_files(env)
    assert (env / "etc/jupyter/labconfig/page_config.json").is_file()
    home = tmp_path / "home"
    home.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "CAMPUSHUB_"))}
    # only the page config of the environment's etc/jupyter (its server config wants the laid modules)
    (tmp_path / "config" / "labconfig").mkdir(parents=True)
    (tmp_path / "config" / "labconfig" / "page_config.json").write_text(
        (env / "etc/jupyter/labconfig/page_config.json").read_text())
    environ.update(HOME=str(home), JUPYTER_CONFIG_PATH=str(tmp_path / "config"),
                   JUPYTER_CONFIG_DIR=str(tmp_path / "user-config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
                   JUPYTER_DATA_DIR=str(tmp_path / "data"))
    data = lab_page_config(environ, home, tmp_path)
    assert data["buildCheck"] is False and data["buildAvailable"] is False
