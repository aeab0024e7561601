"""The hub of `campushub up`: the shared hub configuration (hub/settings.py)
plus what a single machine adds: the data dir's files, the system-user
spawner and the configurable-http-proxy that `up` runs itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ...config import parse_bytes
from ...hub import services, settings
from . import hub_services_local, metrics_cgroups
from .layout import Layout

SPAWNER = "campushub.deploy.local.spawner.system_user.SystemUserSpawner"


def apply(c, config: dict, layout: Layout, env_dir: str | None, environ: Mapping[str, str] = os.environ) -> None:
    # the CLI's token is a file in the data dir; automation's may come from the environment
    tokens = {**services.tokens_from_env(environ), "campushub-cli": layout.secret(layout.cli_token)}
    urls = {}
    for service in hub_services_local.wanted(config):
        if config[service.key]["port"]:
            # `up` runs it (hub_services_local.py) with the same token file
            tokens[service.name] = service.token(layout)
            urls[service.name] = service.url(config)
    settings.apply(c, config, spawner_section="SystemUserSpawner", admin_users=layout.admins(),
                   bootstrap_admin_file=str(layout.bootstrap_admin), service_tokens=tokens, service_urls=urls)
    c.JupyterHub.trust_user_provided_tokens = random_tokens(tokens.values())
    _hub(c, config["hub"], layout)
    _proxy(c, config["hub"], layout)
    _spawner(c, config, layout, env_dir)
    # CPU and memory by policy group in the hub's /hub/metrics (docs/monitoring.md)
    metrics_cgroups.install()


def random_tokens(tokens) -> bool:
    """Whether the tokens handed to JupyterHub may skip its 16,384 rounds of SHA-512 (trust_user_provided_tokens).
    JupyterHub stretches tokens from its configuration as if they were passwords: ~2 ms of the hub's CPU for
    every request made with one (services, the CLI, automation), 7% of GET /hub/api/users?limit=200 at 10,000
    users. Stretching adds nothing to a random token: ours are 64 hex digits (Layout.secret); an operator's
    automation token (CAMPUSHUB_API_TOKEN) is trusted only if it is at least as long as 16 random bytes in hex,
    so a short, made-up one keeps the stretching. Tokens already stored keep the hash they were stored with."""
    return all(len(t) >= 32 for t in tokens)


def _hub(c, hub: dict, layout: Layout) -> None:
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = hub["hub_port"]
    c.JupyterHub.db_url = hub["db_url"] or f"sqlite:///{layout.db_file}"
    c.JupyterHub.cookie_secret_file = str(layout.cookie_secret)


def _proxy(c, hub: dict, layout: Layout) -> None:
    c.JupyterHub.proxy_class = "campushub.hub.proxy.VerifiedRouteProxy"
    c.ConfigurableHTTPProxy.should_start = False  # `campushub up` runs it
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub['proxy_api_port']}"
    c.ConfigurableHTTPProxy.auth_token = layout.secret(layout.proxy_token)
    scheme = "https" if hub["https"]["cert"] else "http"
    c.JupyterHub.bind_url = f"{scheme}://{hub['ip']}:{hub['port']}{hub['base_url']}"


def _spawner(c, config: dict, layout: Layout, env_dir: str | None) -> None:
    spawner, limits = config["spawner"], config["limits"]
    c.JupyterHub.spawner_class = SPAWNER
    s = c.SystemUserSpawner
    s.user_prefix = spawner["user_prefix"]
    s.home_root = spawner["home_root"]
    s.start_timeout = spawner["start_timeout"]
    s.http_timeout = spawner["http_timeout"]
    s.cpu_limit = float(limits["cpu"])
    s.mem_limit = parse_bytes(limits["memory"])
    s.pids_limit = limits["pids"]
    s.allow_unlimited = limits["allow_unlimited"]
    s.nvidia_smi = limits["nvidia_smi"]
    s.log_dir = str(layout.user_logs)
    # `up` runs one fork server per environment there (forkservers.py); none answering: exec
    s.fork_server = bool(spawner.get("fork_server", True))
    s.fork_server_dir = str(layout.data_dir / "forkservers") if s.fork_server else ""
    if env_dir:
        s.env_dir = env_dir
        # `up` published the site's tags in its data dir; resolved at each spawn
        s.environments_root = config["data_dir"]
