"""The `help` hub service process: `python -m campushub.help.service`.

Its environment is what JupyterHub gives a service (JUPYTERHUB_API_TOKEN,
_API_URL, _SERVICE_PREFIX, _SERVICE_URL, _CLIENT_ID, _OAUTH_CALLBACK_URL,
read by HubOAuth itself) plus CampusHub's own:
  CAMPUSHUB_CONFIG      the site configuration (ui.language, the hub's base_url)
  CAMPUSHUB_HELP_SITE   the built portal: a folder, or the symlink a rebuild swaps
                        (default: <data_dir>/help/site, where `up` and `campushub help build` build it)
  CAMPUSHUB_HELP_DIR    a writable folder for its cookie secret (default: <data_dir>/help)
  CAMPUSHUB_HELP_BIND   the address to listen on

It keeps no database and writes nothing but the cookie secret, so it runs
from the hub's image on a read-only root file system (Kubernetes): without a
writable folder it keeps a secret of its own, and people sign in to it again
after a restart. It imports nothing of MkDocs: the portal is built elsewhere.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from pathlib import Path

from ..webservice import runner
from . import links
from .web import make_app

log = logging.getLogger("campushub.help")
DEFAULT_PORT = 10109


def site_folder(config: dict) -> str:
    return runner.env(links.NAME, "SITE") or str(Path(config["data_dir"]) / links.NAME / "site")


def cookie_secret(config: dict) -> bytes:
    try:
        return runner.cookie_secret(runner.state_dir(config, links.NAME))
    except OSError as e:  # no writable folder (a read-only pod without one)
        log.warning("no folder for the cookie secret (%s): people sign in again after a restart", e)
        return secrets.token_bytes(runner.SECRET_BYTES)


def run() -> int:
    config = runner.boot("help")
    if config is None:
        return 2
    hub_prefix, _api_url = runner.hub_urls(config)
    site = site_folder(config)
    app = make_app(site=site, site_config=config,
                   prefix=os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or links.prefix(config["hub"]["base_url"]),
                   hub_prefix=hub_prefix, cookie_secret=cookie_secret(config))
    runner.serve(app, runner.listen_address(config, links.NAME, DEFAULT_PORT), f"help portal ({site})")
    log.info("stopped")
    return 0


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
