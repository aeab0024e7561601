"""The `assignments` hub service process: `python -m campushub.assignments.service`.

Its environment is what JupyterHub gives a service (JUPYTERHUB_API_TOKEN,
_API_URL, _SERVICE_PREFIX, _SERVICE_URL, _CLIENT_ID, _OAUTH_CALLBACK_URL,
read by HubOAuth itself) plus CampusHub's own:
  CAMPUSHUB_CONFIG               the site configuration `up` writes (JSON or YAML)
  CAMPUSHUB_ASSIGNMENTS_DB_URL   the database (else assignments.db_url, else SQLite in the data dir)
  CAMPUSHUB_ASSIGNMENTS_DIR      its private folder (cookie secret, grading scratch)
  CAMPUSHUB_GRADING_PYTHON       the interpreter of the environment kernels run in (unset: no autograding here)
  CAMPUSHUB_ASSIGNMENTS_BIND     the address to listen on (default: the host of JUPYTERHUB_SERVICE_URL when
                                 it is an address, else all interfaces, as in a Kubernetes pod)

SIGTERM (or SIGINT) stops it cleanly: no new requests, the grading workers
stop and jobs still running go back to the queue for the next start.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

from ..config.units import parse_bytes
from ..webservice import runner
from ..webservice.people import People
from ..webservice.runner import cookie_secret
from .store import Store
from .web.app import make_app

log = logging.getLogger("campushub.assignments")
NOTEBOOKS_PER_UPLOAD = 10  # the body cap: this many notebooks at the size limit, base64-encoded
GRACE_S = 8  # for running notebooks at SIGTERM; `campushub down` sends SIGKILL after 20 s


def state_dir(config: dict) -> Path:
    return runner.state_dir(config, "assignments")


def database_url(config: dict, folder: Path) -> str:
    """The environment's, else assignments.db_url, else SQLite in the service's folder (a PVC on Kubernetes)."""
    return runner.database_url(config, "assignments", folder)


def listen_address(config: dict) -> tuple[str, int]:
    return runner.listen_address(config, "assignments", 10101)


def start_grading(store, config: dict, folder: Path):
    """(queue, grader) of helper G's autograder, or (None, None) where it cannot run."""
    python = os.environ.get("CAMPUSHUB_GRADING_PYTHON")
    if not python:
        log.warning("CAMPUSHUB_GRADING_PYTHON is not set: submissions are stored but not autograded here")
        return None, None
    from ..content.check import sandbox
    from .grading import queue
    from .grading.engine import Grader

    section = config["assignments"]
    limits = sandbox.Limits(memory=parse_bytes(section["memory"]), cpu=float(section["cpu"]),
                            pids=int(section["pids"]), timeout=int(section["timeout"]))
    workers = section["workers"] or os.cpu_count() or 1
    try:
        grader = Grader(python, workers=workers, limits=limits, scratch_root=folder / "scratch",
                        stderr_harmless=bool(section["stderr_harmless"]), hide=(folder,))
    except sandbox.Unavailable as e:
        log.error("autograding is off: %s", e)
        return None, None
    return queue.start(store, grader, workers), grader


def run() -> int:
    config = runner.boot("assignments")
    if config is None:
        return 2
    folder = state_dir(config)
    store = Store(database_url(config, folder))
    limit = parse_bytes(config["assignments"]["max_notebook_size"])
    hub_prefix, api_url = runner.hub_urls(config)
    people = People(config["courses"], api_url, os.environ.get("JUPYTERHUB_API_TOKEN", ""))
    grading, grader = start_grading(store, config, folder)
    app = make_app(store=store, people=people, site_config=config,
                   prefix=runner.prefix("assignments"),
                   hub_prefix=hub_prefix, cookie_secret=cookie_secret(folder),
                   max_body=limit * NOTEBOOKS_PER_UPLOAD * 4 // 3 + 2**20,
                   on_change=grading.wake if grading else None)
    runner.serve(app, listen_address(config), f"assignments service (database {store.dialect})")
    clean = stop_grading(store, grading, grader) if grading is not None else True
    store.close()
    log.info("stopped")
    if not clean:
        logging.shutdown()
        os._exit(0)  # grading threads still busy: their jobs are already back in the queue
    return 0


def stop_grading(store, grading, grader, grace: float = GRACE_S) -> bool:
    """Workers stop taking jobs; jobs they hold go back to the queue when the
    grader closes. A notebook still running after ``grace`` is not waited for
    (`campushub down` and Kubernetes kill soon after SIGTERM): the jobs go
    back to the queue here, as requeue_stale would do at the next start."""
    grading.stop(timeout=0)
    closing = threading.Thread(target=grader.close, name="grader-close", daemon=True)
    closing.start()
    closing.join(grace)
    grading.stop(timeout=1)
    if not closing.is_alive() and not any(t.is_alive() for t in grading.threads):
        return True
    log.info("%d autograding jobs still running go back to the queue", store.requeue_stale())
    return False


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
