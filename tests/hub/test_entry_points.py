"""Our plugins are reachable from a plain jupyterhub_config.py, by entry-point name."""

from jupyterhub.app import JupyterHub

from campushub.deploy.local.spawner.system_user import SystemUserSpawner
from campushub.hub.auth.native import CampusHubAuthenticator


def test_jupyterhub_resolves_our_entry_point_names():
    app = JupyterHub()
    app.spawner_class = "campushub-systemuser"
    app.authenticator_class = "campushub-native"
    assert app.spawner_class is SystemUserSpawner
    assert app.authenticator_class is CampusHubAuthenticator


def test_spawner_is_configured_by_class_name_with_safe_defaults():
    from traitlets.config import Config

    c = Config()
    c.SystemUserSpawner.pids_limit = 77
    c.SystemUserSpawner.env_dir = "/opt/env"
    spawner = SystemUserSpawner(config=c)
    assert spawner.pids_limit == 77
    assert spawner.cmd == ["/opt/env/bin/jupyterhub-singleuser"]
    # servers listen on loopback only, and are limited unless configured otherwise
    assert spawner.ip == "127.0.0.1"
    assert (spawner.cpu_limit, spawner.mem_limit) == (1.0, 2 * 1024**3)
    assert "PATH" not in spawner.env_keep and "PYTHONPATH" not in spawner.env_keep
