"""A real Jupyter server (jupyter_server from the test venv, the version the
user environments pin) with the assignments extension installed as user
environments get it (singleuser/files.py), in a home of its own, talking to
a stand-in service (fake_service.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from campushub.singleuser.files import SITE_PACKAGES, server_files

from ..harness import free_port, wait_for
from .fake_service import FakeService

SERVER_TOKEN = "server-token-for-tests"  # the Jupyter server's own login token
API_TOKEN = "hub-api-token-of-this-server"  # what JUPYTERHUB_API_TOKEN would hold


@dataclass
class Server:
    url: str
    home: Path
    service: FakeService
    process: subprocess.Popen

    def post(self, what: str, body: dict, **kwargs) -> requests.Response:
        return requests.post(f"{self.url}campushub/assignments/{what}", json=body,
                             headers={"Authorization": f"token {SERVER_TOKEN}"}, timeout=30, **kwargs)


def install_extension(site: Path, packages: tuple[str, ...] = ("campushub_assignments/",)) -> None:
    for path, text in server_files().items():
        if path.startswith(tuple(SITE_PACKAGES + p for p in packages)):
            target = site / path.removeprefix(SITE_PACKAGES)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)


def start_server(tmp: Path, service_url: str | None, texts: dict | None = None, *,
                 extension: str = "campushub_assignments", packages: tuple[str, ...] = ("campushub_assignments/",),
                 environ: dict | None = None, config_py: str = "") -> tuple[subprocess.Popen, str, Path]:
    """environ: more of the server's environment; config_py: a jupyter_server_config.py beside the json."""
    home, site, config = tmp / "home", tmp / "site", tmp / "config"
    for d in (home, site, config):
        d.mkdir(parents=True, exist_ok=True)
    install_extension(site, packages)
    if config_py:
        (config / "jupyter_server_config.py").write_text(config_py)
    (config / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
        extension: True,
        # not needed here, and each costs start-up time
        "jupyterlab": False, "notebook": False, "jupyter_lsp": False, "jupyter_server_terminals": False,
        "notebook_shim": False, "jupyter_resource_usage": False, "jupyter_server_proxy": False,
        "nbgitpuller": False, "jupyterhub": False, "nbgrader.server_extensions.assignment_list": False,
        "nbgrader.server_extensions.course_list": False, "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.validate_assignment": False}}}))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "CAMPUSHUB_"))}
    env.update(HOME=str(home), PYTHONPATH=str(site), JUPYTER_CONFIG_DIR=str(config),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTERHUB_API_TOKEN=API_TOKEN)
    if service_url:
        env["CAMPUSHUB_ASSIGNMENTS_URL"] = service_url
    if texts:
        env["CAMPUSHUB_ASSIGNMENTS_TEXTS"] = json.dumps(texts)
    env.update(environ or {})
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 -- the server's, closed with it
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--port={port}", "--ip=127.0.0.1", "--no-browser", "--allow-root",
         f"--IdentityProvider.token={SERVER_TOKEN}", f"--ServerApp.root_dir={home}"],
        env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: process.poll() is None and requests.get(
            url + "api/status", headers={"Authorization": f"token {SERVER_TOKEN}"}, timeout=5).ok
            or (process.poll() is not None and pytest.fail((tmp / "server.log").read_text()[-3000:])),
            90, "the Jupyter server")
    except BaseException:
        stop_server(process)
        raise
    return process, url, home


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def lab_page_config(environ: dict, home: Path, tmp: Path) -> dict:
    """The page config (jupyter-config-data) a real JupyterLab serves at /lab with this environment."""
    token, port = "lab-page-config", free_port()
    log = open(tmp / "lab.log", "wb")  # noqa: SIM115 -- the server's, closed with it
    lab = subprocess.Popen([sys.executable, "-m", "jupyterlab", f"--port={port}", "--ip=127.0.0.1", "--no-browser",
                            "--allow-root", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}"],
                           env=environ, cwd=home, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    try:
        def page():
            assert lab.poll() is None, (tmp / "lab.log").read_text()[-3000:]
            r = requests.get(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10)
            return r.text if r.ok else None
        text = wait_for(page, 90, "JupyterLab's page")
    finally:
        stop_server(lab)
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', text, re.S)
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    service = FakeService()
    tmp = tmp_path_factory.mktemp("assignments-server")
    try:
        process, url, home = start_server(tmp, service.url)
        try:
            yield Server(url, home, service, process)
        finally:
            stop_server(process)
    finally:
        service.close()
        shutil.rmtree(tmp, ignore_errors=True)
