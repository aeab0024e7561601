"""Declared projects from a plain jupyterhub_config.py on JupyterHub 5.5 (what
Zero to JupyterHub runs; the venv of tests/hub/test_jupyterhub55.py), with an
authenticator that manages groups, where c.JupyterHub.load_groups would stop
the hub: only DeclaredProjects' own config and install(), no site
configuration. The hub starts its own proxy; no server starts, no account is made."""

from __future__ import annotations

import os
import signal
import subprocess
import textwrap
import uuid
from contextlib import suppress
from pathlib import Path

import pytest
import requests

from campushub.deploy.local.proxy import ensure_proxy
from campushub.projects import model

from ..harness import free_port, wait_for
from ..hub.test_jupyterhub55 import JH_VERSION, SYSTEM_PATH, hub_venv

DECLARED = {"churn-model": {"title": "Churn model", "owners": ["alice"], "members": ["bob"]}}


def plain_config(tmp: Path, chp: list[str], port: int, hub_port: int, token: str) -> str:
    return textwrap.dedent(f"""\
        from campushub.projects.declared import DeclaredProjects

        c.JupyterHub.authenticator_class = "dummy"
        c.Authenticator.manage_groups = True  # load_groups would refuse to run now
        c.Authenticator.allow_all = True
        c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
        c.JupyterHub.hub_ip = "127.0.0.1"
        c.JupyterHub.hub_port = {hub_port}
        c.ConfigurableHTTPProxy.command = {[str(part) for part in chp]!r}
        c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
        c.ConfigurableHTTPProxy.pid_file = {str(tmp / "proxy.pid")!r}
        c.JupyterHub.db_url = "sqlite:///{tmp / "jupyterhub.sqlite"}"
        c.JupyterHub.cookie_secret_file = {str(tmp / "cookie_secret")!r}
        c.JupyterHub.services = [{{"name": "reader", "api_token": {token!r}}}]
        c.JupyterHub.load_roles = [{{"name": "reader", "services": ["reader"],
                                     "scopes": ["list:groups", "read:groups", "read:users"]}}]

        c.DeclaredProjects.projects = {DECLARED!r}
        DeclaredProjects.install()
        """)


@pytest.mark.timeout(1200)
def test_declared_projects_from_a_plain_config_on_jupyterhub_55(tmp_path):
    venv = hub_venv()
    chp = ensure_proxy(Path("/opt/campushub/proxy"))
    port, hub_port, token = free_port(), free_port(), uuid.uuid4().hex
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(plain_config(tmp_path, chp, port, hub_port, token))
    log = tmp_path / "jupyterhub.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([venv / "bin" / "python", "-m", "jupyterhub", "-f", config], cwd=tmp_path,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "HOME": str(tmp_path)})
    api = f"http://127.0.0.1:{port}/hub/api"
    headers = {"Authorization": f"token {token}"}
    try:
        def hub_up():
            if proc.poll() is not None:
                raise AssertionError(f"jupyterhub exited with {proc.returncode}")
            return requests.get(f"{api}/", timeout=5).status_code == 200
        wait_for(hub_up, 120, "JupyterHub 5.5 to answer through its proxy")
        assert requests.get(f"{api}/", timeout=5).json()["version"] == JH_VERSION
        churn = requests.get(f"{api}/groups/churn-model", headers=headers, timeout=30).json()
        assert churn["properties"][model.PROPERTY] == {"owners": ["alice"], "title": "Churn model"}, churn
        assert sorted(churn["users"]) == ["alice", "bob"]
        bob = requests.get(f"{api}/users/bob", headers=headers, timeout=30).json()
        assert bob["groups"] == ["churn-model"], bob
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- jupyterhub log (tail) ---\n{log.read_text(errors='replace')[-6000:]}") \
            from None
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        with suppress(OSError, ValueError):  # the proxy runs in its own session; the hub stops it unless killed
            os.kill(int((tmp_path / "proxy.pid").read_text()), signal.SIGKILL)
