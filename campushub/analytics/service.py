"""The `analytics` hub service process: `python -m campushub.analytics.service`.

Its environment is what JupyterHub gives a service (JUPYTERHUB_API_TOKEN,
_API_URL, _SERVICE_PREFIX, _SERVICE_URL, _CLIENT_ID, _OAUTH_CALLBACK_URL,
read by HubOAuth itself) plus CampusHub's own (webservice/runner.py):
  CAMPUSHUB_CONFIG             the site configuration `up` writes (JSON or YAML)
  CAMPUSHUB_ANALYTICS_DB_URL   the database (else analytics.db_url, else SQLite in the data dir)
  CAMPUSHUB_ANALYTICS_DIR      its private folder (cookie secret; the database on a PVC)
  CAMPUSHUB_ANALYTICS_BIND     the address to listen on

It serves the pages and the records API, and polls the hub
(poller.py). SIGTERM (or SIGINT) stops it: no new requests, no more polls.
"""

from __future__ import annotations

import logging
import os
import sys

from ..webservice import runner
from ..webservice.people import People
from .poller import Poller
from .store import Store
from .web.app import make_app

log = logging.getLogger("campushub.analytics")
NAME = "analytics"
DEFAULT_PORT = 10102
BATCH_BYTES = 2**20  # a batch of records: at most 1 MiB (the extension sends less)


def run() -> int:
    config = runner.boot("analytics")
    if config is None:
        return 2
    folder = runner.state_dir(config, NAME)
    store = Store(runner.database_url(config, NAME, folder))
    section = config[NAME]
    hub_prefix, api_url = runner.hub_urls(config)
    token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
    people = People(config["courses"], api_url, token)
    app = make_app(store=store, people=people, site_config=config,
                   prefix=runner.prefix(NAME),
                   hub_prefix=hub_prefix, cookie_secret=runner.cookie_secret(folder), max_body=BATCH_BYTES)
    poller = Poller(store, api_url, token, int(section["poll_interval"]), int(section["retention_days"]))
    runner.serve(app, runner.listen_address(config, NAME, DEFAULT_PORT), "analytics service", started=poller.start)
    poller.stop()
    store.close()
    log.info("stopped")
    return 0


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
