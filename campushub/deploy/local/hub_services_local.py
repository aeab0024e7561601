"""Our hub services (hub/services.py) as `campushub up` runs them: each a
process of its own beside the hub and the proxy (pid file, log, restarted
when it dies), described once here and run by the same code.

They are not JupyterHub's managed services (`command` in
c.JupyterHub.services): those die with the hub and come back only with it,
while `up` keeps submissions and execution records flowing through a hub
restart and reports the services in `status` like the proxy. So `up` gives
each the environment JupyterHub would give a managed service, with its token
from a file in the data dir (0600) that the hub's configuration reads too
(hub_config.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from ...config.analytics import enabled as analytics_enabled
from ...config.assignments import enabled as assignments_enabled
from ...config.help import enabled as help_enabled
from ...config.jobs import enabled as jobs_enabled
from ...config.remote_kernels import enabled as remote_kernels_enabled
from ...hub.services import projects_enabled
from . import processes
from .layout import Layout


@dataclass(frozen=True)
class LocalService:
    name: str  # the hub service's (hub/services.py), its config section's and its process's
    module: str  # run as `python -m module`
    enabled: Callable[[dict], bool]
    # what it alone needs: (config, layout, env_dir) -> variables
    extra_env: Callable[[dict, Layout, Path | None], dict[str, str]] = field(default=lambda *_: {})
    # its config section (and CAMPUSHUB_<SECTION>_* variables) when not its name: remote_kernels
    section: str = ""
    # other sections of the site configuration it reads: a change restarts it at a reload
    reads: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Its section of the site configuration."""
        return self.section or self.name

    @property
    def label(self) -> str:
        return f"the {self.name} service"

    def wanted(self, config: dict) -> bool:
        return self.key in config and self.enabled(config)  # a config copy an older `up` wrote may lack it

    def prefix(self, config: dict) -> str:
        return f"{config['hub']['base_url']}services/{self.name}/"

    def url(self, config: dict) -> str:
        """Where it listens, as the hub's service entry and the proxy's route name it."""
        return f"http://127.0.0.1:{config[self.key]['port']}"

    def token(self, layout: Layout) -> str:
        return layout.secret(layout.service_token(self.name))

    def db_url(self, config: dict, layout: Layout) -> str:
        return config[self.key].get("db_url") or f"sqlite:///{layout.service_dir(self.name) / f'{self.name}.sqlite'}"

    def environment(self, config: dict, layout: Layout, env_dir: Path | None) -> dict[str, str]:
        """What JupyterHub hands a service it runs itself, and CampusHub's own settings."""
        hub, here, upper = config["hub"], self.prefix(config), self.key.upper()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "CAMPUSHUB_"))}
        env.update({
            "JUPYTERHUB_SERVICE_NAME": self.name,
            "JUPYTERHUB_API_TOKEN": self.token(layout),
            "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub['hub_port']}{hub['base_url']}hub/api",
            "JUPYTERHUB_BASE_URL": hub["base_url"],
            "JUPYTERHUB_SERVICE_PREFIX": here,
            "JUPYTERHUB_SERVICE_URL": self.url(config),
            "JUPYTERHUB_CLIENT_ID": f"service-{self.name}",
            "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{here}oauth_callback",
            # HubAuth lets in only tokens that hold these (as JupyterHub sets them for its managed services)
            "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps([f"access:services!service={self.name}", "access:services"]),
            "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES": "[]",
            "CAMPUSHUB_CONFIG": str(layout.config_copy),
            "CAMPUSHUB_DATA_DIR": str(layout.data_dir),
            f"CAMPUSHUB_{upper}_DB_URL": self.db_url(config, layout),
            f"CAMPUSHUB_{upper}_DIR": str(layout.service_dir(self.name)),
        })
        env.update(self.extra_env(config, layout, env_dir))
        return env

    def busy(self, config: dict) -> list[str]:
        """Its port, if it is to run and something else holds the port (as processes.busy_ports says it)."""
        if not self.wanted(config):
            return []
        port = config[self.key]["port"]
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError as e:
                return [f"{self.key}.port 127.0.0.1:{port} ({e.strerror})"]
        return []

    def start(self, config: dict, layout: Layout, env_dir: Path | None) -> subprocess.Popen | None:
        """Start it unless this data dir's service already runs (then None)."""
        if processes.read_pid(layout, self.name):
            return None
        folder = layout.service_dir(self.name)
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # every learner's submissions or records live here
        return processes.spawn(layout, self.name, [sys.executable, "-m", self.module],
                               self.environment(config, layout, env_dir))

    def wait(self, config: dict, proc: subprocess.Popen | None, timeout: float = 60,
             layout: Layout | None = None) -> None:
        """Until it answers below its prefix: any page short of an error (its
        front page sends a browser to the hub's login, 302), or the deadline.
        With `layout`, also until the proxy routes the prefix to it: the hub adds
        service routes after its API already answers, and until then the proxy
        hands the prefix to the hub, which answers people with 404s and refuses
        their POSTs for lack of its own XSRF token."""
        def ready(r) -> str | None:
            if r.status_code >= 400:
                return f"HTTP {r.status_code}"
            if layout is not None and not self._routed(config, layout):
                return "the proxy does not route to it yet"
            return None

        processes.wait_http(self.url(config) + self.prefix(config), timeout=timeout, proc=proc, what=self.label,
                            check=ready)

    def _routed(self, config: dict, layout: Layout) -> bool:
        api = f"http://127.0.0.1:{config['hub']['proxy_api_port']}/api/routes"
        r = requests.get(api, headers={"Authorization": f"token {layout.secret(layout.proxy_token)}"}, timeout=2)
        r.raise_for_status()
        return self.prefix(config).rstrip("/") in {key.rstrip("/") for key in r.json()}


def _grading_python(config: dict, layout: Layout, env_dir: Path | None) -> dict[str, str]:
    # submissions are autograded in the environment learners' kernels run in
    return {"CAMPUSHUB_GRADING_PYTHON": str(Path(env_dir) / "bin" / "python")} if env_dir else {}


ASSIGNMENTS = LocalService("assignments", "campushub.assignments.service", assignments_enabled, _grading_python)
ANALYTICS = LocalService("analytics", "campushub.analytics.service", analytics_enabled)
# It runs as root, like the others: it measures and archives project folders
# (root:chp-<name> 2770, members only) and removes a deleted project's folder
# and unix group. It keeps no database (the hub's groups are the projects).
PROJECTS = LocalService("projects", "campushub.projects.service", projects_enabled)


def gateway_token_file(layout: Layout) -> Path:
    """EG's auth_token (deploy/local/remote_kernels/gateway.py's gateway_token): only EG and the front read it."""
    return layout.service_token("gateway")


def _gateway(config: dict, layout: Layout, env_dir: Path | None) -> dict[str, str]:
    layout.secret(gateway_token_file(layout))  # made by whichever of EG and the front starts first
    return {"CAMPUSHUB_REMOTE_KERNELS_GATEWAY_URL": f"http://127.0.0.1:{config['remote_kernels']['gateway_port']}",
            "CAMPUSHUB_REMOTE_KERNELS_GATEWAY_TOKEN_FILE": str(gateway_token_file(layout)),
            "CAMPUSHUB_REMOTE_KERNELS_BACKEND": "local"}


# The only client of Enterprise Gateway (campushub/remote_kernels): it authenticates people's hub tokens and
# holds EG's. Root only for the token file; its kernel table is in its 0700 folder.
REMOTE_KERNELS = LocalService("remote-kernels", "campushub.remote_kernels.service", remote_kernels_enabled, _gateway,
                              section="remote_kernels", reads=("profiles", "policies", "spawner", "projects"))
# Root, like the others: its local backend (deploy/local/jobs) makes each job's cgroup and starts it as
# the person; running jobs are detached from it and outlive its restarts.
JOBS = LocalService("jobs", "campushub.jobs.service", jobs_enabled,
                    lambda *_: {"CAMPUSHUB_JOBS_BACKEND": "local"},
                    reads=("profiles", "policies", "limits", "environments", "spawner", "projects"))
# Root, like the others, though it only reads: the portal `up` builds into the data dir (0700) before
# starting it (Layout.help_dir: its `site` link, swapped by each build; the same folder as the
# service's own, which holds its cookie secret beside the builds).
HELP = LocalService("help", "campushub.help.service", help_enabled,
                    lambda config, layout, env_dir: {"CAMPUSHUB_HELP_SITE": str(layout.help_dir / "site")})
# in the order `up` starts them
SERVICES = (ASSIGNMENTS, ANALYTICS, PROJECTS, REMOTE_KERNELS, JOBS, HELP)


def wanted(config: dict) -> list[LocalService]:
    return [s for s in SERVICES if s.wanted(config)]
