"""The `assignments` hub service as `campushub up` runs it: a process of its
own beside the hub and the proxy (pid file, log, restarted when it dies).

It is not one of JupyterHub's managed services (`command` in
c.JupyterHub.services): those die with the hub and come back only with it,
while `up` keeps submissions flowing through a hub restart and reports the
service in `status` like the proxy. So `up` gives it the environment
JupyterHub would give a managed service, with its token from a file in the
data dir (0600) that the hub's configuration reads too (hub_config.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from ...config.assignments import enabled
from . import processes
from .layout import Layout

NAME = "assignments"
MODULE = "campushub.assignments.service"
DB_FILE = "assignments.sqlite"


def wanted(config: dict) -> bool:
    return enabled(config)


def prefix(config: dict) -> str:
    return f"{config['hub']['base_url']}services/{NAME}/"


def url(config: dict) -> str:
    """Where it listens, as the hub's service entry and the proxy's route name it."""
    return f"http://127.0.0.1:{config['assignments']['port']}"


def db_url(config: dict, layout: Layout) -> str:
    return config["assignments"]["db_url"] or f"sqlite:///{layout.assignments_dir / DB_FILE}"


def environment(config: dict, layout: Layout, env_dir: Path | None) -> dict[str, str]:
    """What JupyterHub hands a service it runs itself, and CampusHub's own settings."""
    hub, here = config["hub"], prefix(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "CAMPUSHUB_"))}
    env.update({
        "JUPYTERHUB_SERVICE_NAME": NAME,
        "JUPYTERHUB_API_TOKEN": layout.secret(layout.assignments_token),
        "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub['hub_port']}{hub['base_url']}hub/api",
        "JUPYTERHUB_BASE_URL": hub["base_url"],
        "JUPYTERHUB_SERVICE_PREFIX": here,
        "JUPYTERHUB_SERVICE_URL": url(config),
        "JUPYTERHUB_CLIENT_ID": f"service-{NAME}",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{here}oauth_callback",
        # HubAuth lets in only tokens that hold these (as JupyterHub sets them for its managed services)
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps([f"access:services!service={NAME}", "access:services"]),
        "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES": "[]",
        "CAMPUSHUB_CONFIG": str(layout.config_copy),
        "CAMPUSHUB_DATA_DIR": str(layout.data_dir),
        "CAMPUSHUB_ASSIGNMENTS_DB_URL": db_url(config, layout),
        "CAMPUSHUB_ASSIGNMENTS_DIR": str(layout.assignments_dir),
    })
    if env_dir:
        env["CAMPUSHUB_GRADING_PYTHON"] = str(Path(env_dir) / "bin" / "python")
    return env


def busy(config: dict) -> list[str]:
    """Its port, if it is to run and something else holds the port (as processes.busy_ports says it)."""
    if not wanted(config):
        return []
    port = config["assignments"]["port"]
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            return [f"assignments.port 127.0.0.1:{port} ({e.strerror})"]
    return []


def start(config: dict, layout: Layout, env_dir: Path | None) -> subprocess.Popen | None:
    """Start it unless this data dir's service already runs (then None)."""
    if processes.read_pid(layout, NAME):
        return None
    layout.assignments_dir.mkdir(mode=0o700, exist_ok=True)
    os.chmod(layout.assignments_dir, 0o700)  # submissions of every learner live here
    return processes.spawn(layout, NAME, [sys.executable, "-m", MODULE], environment(config, layout, env_dir))


def wait(config: dict, proc: subprocess.Popen | None, timeout: float = 60, layout: Layout | None = None) -> None:
    """Until it answers below its prefix: any page short of an error (its
    front page sends a browser to the hub's login, 302), or the deadline.
    With `layout`, also until the proxy routes the prefix to it: the hub adds
    service routes after its API already answers, and until then the proxy
    hands /services/assignments/ to the hub, which answers people with 404s
    and refuses their POSTs for lack of its own XSRF token."""
    target = url(config) + prefix(config)
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the assignments service exited with status {proc.returncode}")
        try:
            r = requests.get(target, timeout=2, allow_redirects=False)
            if r.status_code < 400 and (layout is None or _routed(config, layout)):
                return
            last = f"HTTP {r.status_code}" if r.status_code >= 400 else "the proxy does not route to it yet"
        except requests.RequestException as e:
            last = type(e).__name__
        time.sleep(0.2)
    raise RuntimeError(f"the assignments service did not answer {target} within {timeout:.0f}s ({last})")


def _routed(config: dict, layout: Layout) -> bool:
    api = f"http://127.0.0.1:{config['hub']['proxy_api_port']}/api/routes"
    r = requests.get(api, headers={"Authorization": f"token {layout.secret(layout.proxy_token)}"}, timeout=2)
    r.raise_for_status()
    return prefix(config).rstrip("/") in {key.rstrip("/") for key in r.json()}
