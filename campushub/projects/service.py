"""The `projects` hub service process: `python -m campushub.projects.service`.

Its environment is what JupyterHub gives a service (JUPYTERHUB_API_TOKEN,
_API_URL, _SERVICE_PREFIX, _SERVICE_URL, _CLIENT_ID, _OAUTH_CALLBACK_URL,
read by HubOAuth itself) plus CampusHub's own (webservice/runner.py):
  CAMPUSHUB_CONFIG             the site configuration
  CAMPUSHUB_PROJECTS_DIR       its private folder (cookie secret; archives of deleted projects locally)
  CAMPUSHUB_PROJECTS_BIND      the address to listen on
  CAMPUSHUB_PROJECTS_STORAGE   "local" (default: folders under projects.root) or "kubernetes" (claims it cannot see)
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from ..config import projects as section
from ..webservice import runner
from .web.app import make_app
from .web.hubapi import HubAPI

log = logging.getLogger("campushub.projects")
NAME = "projects"
DEFAULT_PORT = 10103


def storage(config: dict, folder: Path):
    if runner.env(NAME, "STORAGE") == "kubernetes":
        from .web.k8s_storage import KubernetesStorage

        return KubernetesStorage()
    from .web.local_storage import LocalStorage, unix_group_gid, unix_group_remover

    return LocalStorage(section.root(config), archive_dir(config, folder), unix_groups=unix_group_remover(config),
                        project_gid=unix_group_gid(config))


def archive_dir(config: dict, folder: Path) -> Path:
    """Beside retention's archives when the site has an archive store, else in the service's private folder."""
    kept = (config.get("retention") or {}).get("archive_dir")
    return Path(kept) / "projects" if kept else folder / "archives"


def run() -> int:
    config = runner.boot("projects")
    if config is None:
        return 2
    from .web.operations import Operations

    folder = runner.state_dir(config, NAME)
    hub_prefix, api_url = runner.hub_urls(config)
    data = storage(config, folder)
    operations = Operations(HubAPI(api_url, os.environ.get("JUPYTERHUB_API_TOKEN", "")), data,
                            declared=section.declared(config))
    app = make_app(operations=operations, site_config=config,
                   prefix=runner.prefix(NAME),
                   hub_prefix=hub_prefix, cookie_secret=runner.cookie_secret(folder))
    runner.serve(app, runner.listen_address(config, NAME, DEFAULT_PORT), "projects service")
    getattr(getattr(data, "sizes", None), "close", lambda: None)()
    log.info("stopped")
    return 0


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
