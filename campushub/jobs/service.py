"""The `jobs` hub service process: `python -m campushub.jobs.service`.

Its environment is what JupyterHub gives a service (JUPYTERHUB_API_TOKEN,
_API_URL, _SERVICE_PREFIX, _SERVICE_URL, _CLIENT_ID, _OAUTH_CALLBACK_URL,
read by HubOAuth itself) plus CampusHub's own (webservice/runner.py):
  CAMPUSHUB_CONFIG         the site configuration
  CAMPUSHUB_JOBS_DB_URL    the database (else jobs.db_url, else SQLite in the data dir)
  CAMPUSHUB_JOBS_DIR       its private folder (cookie secret; the database on a PVC)
  CAMPUSHUB_JOBS_BIND      the address to listen on
  CAMPUSHUB_JOBS_BACKEND   where jobs run: "local" (default) or "kubernetes" (backend.py)

It serves the API and the pages and runs the scheduler (scheduler.py).
SIGTERM stops it without touching running jobs: they run on, and the next
start adopts them.
"""

from __future__ import annotations

import logging
import os
import sys

from ..webservice import runner
from ..webservice.people import People
from .app import make_app
from .backend import make_backend
from .operations import Jobs
from .scheduler import Scheduler
from .store import Store

log = logging.getLogger("campushub.jobs")
NAME = "jobs"
DEFAULT_PORT = 10108


def run() -> int:
    config = runner.boot("jobs")
    if config is None:
        return 2
    folder = runner.state_dir(config, NAME)
    store = Store(runner.database_url(config, NAME, folder))
    hub_prefix, api_url = runner.hub_urls(config)
    # groups change what a person may use: asked again after 10 s at most
    people = People({}, api_url, os.environ.get("JUPYTERHUB_API_TOKEN", ""))
    backend = make_backend(config)
    jobs = Jobs(config, store, backend, people)
    scheduler = Scheduler(config, store, backend, people)
    jobs.kick = scheduler.kick
    app = make_app(jobs=jobs, site_config=config,
                   prefix=runner.prefix(NAME),
                   hub_prefix=hub_prefix, cookie_secret=runner.cookie_secret(folder))
    runner.serve(app, runner.listen_address(config, NAME, DEFAULT_PORT), "jobs service", started=scheduler.start)
    scheduler.stop()
    store.close()
    log.info("stopped")
    return 0


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
