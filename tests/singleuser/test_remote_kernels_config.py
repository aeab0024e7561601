"""The server config with and without the gateway's address: GatewayClient
pointed at the front with the server's own token, our kernel and session
managers (from the files laid into the environment), sessions in a file of
the person's data directory, and the server's own kernel culler off."""

from __future__ import annotations

import sys

import pytest
from traitlets.config import Config

from campushub.singleuser.files import SERVER_CONFIG, SITE_PACKAGES, server_files

URL = "http://127.0.0.1:10106/services/remote-kernels/"
CULLING = '{"timeout": 600, "interval": 60, "cull_busy": false, "cull_connected": true}'


@pytest.fixture
def laid(tmp_path, monkeypatch):
    """The environment's site-packages as singleuser/files.py lays it."""
    for path, text in server_files().items():
        if path.startswith(SITE_PACKAGES + "campushub_remote_kernels/"):
            target = tmp_path / path[len(SITE_PACKAGES):]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [n for n in sys.modules if n.startswith("campushub_remote_kernels")]:
        del sys.modules[name]


def load(monkeypatch, tmp_path, gateway: str | None) -> Config:
    for name in ("CAMPUSHUB_TORNADO_SETTINGS", "CAMPUSHUB_USER_ENVIRONMENTS", "CAMPUSHUB_COURSES",
                 "CAMPUSHUB_KERNEL_ZYGOTE_FD", "CAMPUSHUB_GATEWAY_URL", "JUPYTERHUB_SERVER_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CAMPUSHUB_KERNEL_CULLING", CULLING)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "the-servers-token")
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    if gateway:
        monkeypatch.setenv("CAMPUSHUB_GATEWAY_URL", gateway)
    c = Config()
    exec(compile(SERVER_CONFIG, "jupyter_server_config.py", "exec"), {"c": c, "get_config": lambda: c})
    return c


def test_with_the_address_every_kernel_comes_from_the_gateway(laid, monkeypatch, tmp_path):
    c = load(monkeypatch, tmp_path, URL)
    assert c.GatewayClient.url == URL and c.GatewayClient.auth_token == "the-servers-token"
    assert c.ServerApp.kernel_manager_class == "campushub_remote_kernels.remote_kernel_manager.RemoteKernelManager"
    assert c.ServerApp.session_manager_class == "campushub_remote_kernels.remote_kernel_manager.RemoteSessionManager"
    sessions = tmp_path / "data" / "campushub" / "sessions-default.db"
    assert c.SessionManager.database_filepath == str(sessions)
    assert (sessions.parent.stat().st_mode & 0o777) == 0o700
    # the gateway culls; this server's culler would delete kernels as if the person had
    assert c.MappingKernelManager.cull_idle_timeout == 0
    # the managers import from the laid package (no CampusHub in a user environment)
    from campushub_remote_kernels.remote_kernel_manager import RemoteKernelManager, RemoteSessionManager
    from jupyter_server.gateway.managers import GatewayMappingKernelManager, GatewaySessionManager
    assert issubclass(RemoteKernelManager, GatewayMappingKernelManager)
    assert issubclass(RemoteSessionManager, GatewaySessionManager)


def test_a_named_server_keeps_its_own_sessions(laid, monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTERHUB_SERVER_NAME", "gpu")
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path))
    import campushub_remote_kernels.remote_kernel_manager as manager
    assert manager.sessions_file() == str(tmp_path / "campushub" / "sessions-gpu.db")


def test_without_it_kernels_stay_local(monkeypatch, tmp_path):
    c = load(monkeypatch, tmp_path, None)
    assert "GatewayClient" not in c and "kernel_manager_class" not in c.ServerApp
    assert c.MappingKernelManager.cull_idle_timeout == 600


def test_jupyter_resource_usage_s_kernel_panel_is_off_where_kernels_are_remote(laid):
    """Its panel asks a kernel-usage route a gateway kernel cannot answer (the extension answers it
    "not_supported"; tests/remote_kernels/test_lab_side_stack.py): JupyterLab's page config turns it off,
    after any hook already set, keeping what the labconfig files disabled."""
    from campushub_remote_kernels import KERNEL_USAGE_PANEL, without_kernel_usage
    seen = []
    hook = without_kernel_usage(lambda handler, config: seen.append(handler) or {**config, "theirs": True})
    config = hook("the handler", {"disabledExtensions": ["other:plugin"], "buildAvailable": False})
    assert config["disabledExtensions"] == ["other:plugin", KERNEL_USAGE_PANEL]
    assert config["theirs"] and config["buildAvailable"] is False and seen == ["the handler"]
    assert without_kernel_usage(None)("the handler", {})["disabledExtensions"] == [KERNEL_USAGE_PANEL]
