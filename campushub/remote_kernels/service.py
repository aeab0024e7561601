"""The `remote-kernels` hub service process: `python -m campushub.remote_kernels.service`.

Its environment is what JupyterHub gives a service (JUPYTERHUB_API_TOKEN, _API_URL, _SERVICE_PREFIX,
_SERVICE_URL, _OAUTH_ACCESS_SCOPES, read by HubAuth itself) plus CampusHub's own (webservice/runner.py):
  CAMPUSHUB_CONFIG                          the site configuration
  CAMPUSHUB_REMOTE_KERNELS_DIR              its private folder (the kernel table's SQLite)
  CAMPUSHUB_REMOTE_KERNELS_DB_URL           else that table's database
  CAMPUSHUB_REMOTE_KERNELS_BIND             the address to listen on
  CAMPUSHUB_REMOTE_KERNELS_GATEWAY_URL      Enterprise Gateway, http://host:port
  CAMPUSHUB_REMOTE_KERNELS_GATEWAY_TOKEN    EG's auth_token (or _GATEWAY_TOKEN_FILE: a file holding it)
  CAMPUSHUB_REMOTE_KERNELS_BACKEND          "local" (default) or "kubernetes": kernel pods get the person's
                                            volumes and sizes (deploy/kubernetes/remote_kernels.kernel_env)
  CAMPUSHUB_REMOTE_KERNELS_POLL_S           how often EG is asked which kernels it still has (default 60)
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from ..config import remote_kernels as section
from ..webservice import runner
from . import access

log = logging.getLogger("campushub.remote_kernels")
NAME = "remote-kernels"
SECTION = "remote_kernels"  # its config section and its CAMPUSHUB_REMOTE_KERNELS_* variables
DEFAULT_PORT = 10106


def gateway_token() -> str:
    token = runner.env(SECTION, "GATEWAY_TOKEN")
    path = runner.env(SECTION, "GATEWAY_TOKEN_FILE")
    if not token and path:
        token = Path(path).read_text().strip()
    return token


def extra_env(config: dict, people):
    """What the deployment adds to a kernel's env from what the hub knows of the person (access.deployment_env)."""
    backend = runner.env(SECTION, "BACKEND") or "local"

    async def added(person: str, kernelspec: str, groups: list[str]) -> dict[str, str]:
        return access.deployment_env(config, backend, person, kernelspec, groups, await people.projects(groups))

    return added


def hub_auth():
    """HubAuth from the service's environment, never without a required scope: with neither
    JUPYTERHUB_OAUTH_ACCESS_SCOPES nor JUPYTERHUB_SERVICE_NAME set (a deployment forgetting them) it would let in
    every valid token, whatever it may access."""
    from jupyterhub.services.auth import HubAuth

    auth = HubAuth.instance()
    if not auth.access_scopes:
        auth.access_scopes = {f"access:services!service={NAME}"}
    return auth


def run() -> int:
    config = runner.boot("remote-kernels")
    if config is None:
        return 2
    try:
        token = gateway_token()
    except OSError as e:
        print(f"campushub remote-kernels: {e}", file=sys.stderr)
        return 2
    url = runner.env(SECTION, "GATEWAY_URL")
    if not url or not token:
        print("campushub remote-kernels: CAMPUSHUB_REMOTE_KERNELS_GATEWAY_URL and the gateway's token "
              "(CAMPUSHUB_REMOTE_KERNELS_GATEWAY_TOKEN or _GATEWAY_TOKEN_FILE) must be set", file=sys.stderr)
        return 2
    from ..projects.web.hubapi import HubAPI
    from .app import make_app
    from .culling import POLL_S, Culling
    from .gateway import Gateway
    from .memory import give_back_large_blocks
    from .people import People
    from .store import Store

    give_back_large_blocks()
    folder = runner.state_dir(config, SECTION)
    store = Store(runner.database_url(config, SECTION, folder))
    gateway = Gateway(url, token)
    people = People(HubAPI(runner.hub_urls(config)[1], os.environ.get("JUPYTERHUB_API_TOKEN", "")))
    culling = Culling(store, gateway, section.idle_seconds(config), float(runner.env(SECTION, "POLL_S") or POLL_S))
    app = make_app(store=store, gateway=gateway, people=people, culling=culling, site_config=config,
                   prefix=runner.prefix(NAME),
                   extra_env=extra_env(config, people), hub_auth=hub_auth())
    runner.serve(app, runner.listen_address(config, SECTION, DEFAULT_PORT), "remote-kernels front",
                 started=culling.start)
    store.close()
    log.info("stopped")
    return 0


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
