"""`campushub run NOTEBOOK` and `campushub jobs [ID]` on the platform's CLI:
the client the user environment's `campushub` is (singleuser/jobs_cli.py),
given where the jobs service is and whose token to call it with.

In a person's terminal $CAMPUSHUB_JOBS_URL and $JUPYTERHUB_API_TOKEN say it
(their server has them). Otherwise --url and --token (or $CAMPUSHUB_API_TOKEN)
as for the other services, else, on the hub's machine as root, the running
site's jobs service and the site's CLI token: operators list everyone's jobs
(--user NAME for one person's) and cancel any; only a person runs jobs.
"""

from __future__ import annotations

import json
import os

from ..singleuser import jobs_cli
from . import target
from .main import CommandError

TOKEN_ENV = "CAMPUSHUB_API_TOKEN"


def register(sub) -> None:
    r = sub.add_parser("run", help="run a notebook as a job, with parameters or a sweep of them",
                       description="Queue NOTEBOOK as a job of yours (papermill, in a cgroup of its own, results in "
                                   "~/jobs/<id>/). Exit status: 0 queued (with --wait: every job succeeded), 1 a job "
                                   "did not succeed or the service refused, 2 the notebook or a parameter is wrong "
                                   "(nothing queued).")
    jobs_cli.add_run_arguments(r)
    _add_target(r)
    r.set_defaults(func=_run)
    j = sub.add_parser("jobs", help="list notebook jobs, show one or a sweep, cancel one",
                       description="Your jobs, newest first (operators: everyone's, or --user's); with ID one job "
                                   "(or sweep) in detail; --cancel ID stops it.")
    jobs_cli.add_jobs_arguments(j)
    _add_target(j)
    j.set_defaults(func=_jobs)


def _add_target(p) -> None:
    p.add_argument("--url", metavar="SERVICE_URL", help="the jobs service, e.g. https://hub.example/services/jobs/ "
                                                        "(default: $CAMPUSHUB_JOBS_URL, else the local site's)")
    p.add_argument("--token", help=f"API token (default: $JUPYTERHUB_API_TOKEN, ${TOKEN_ENV}, else the site's CLI "
                                   "token, root only)")
    target.add_arguments(p)


def client(args) -> tuple[jobs_cli.Client, str | None]:
    """The client, and the home paths are relative to (a person's terminal only)."""
    url = args.url or os.environ.get("CAMPUSHUB_JOBS_URL")
    token = args.token or os.environ.get("JUPYTERHUB_API_TOKEN") or os.environ.get(TOKEN_ENV)
    mine = not args.url and bool(os.environ.get("CAMPUSHUB_JOBS_URL"))
    if not url or not token:
        layout, how = target.layout_for(args)
        try:
            config = json.loads(layout.config_copy.read_text())
            url = url or (f"http://127.0.0.1:{config['jobs']['port']}{config['hub']['base_url']}services/jobs/")
            token = token or layout.cli_token.read_text().strip()
        except PermissionError:
            raise CommandError(f"{layout.data_dir}: not readable; run as root on the hub's machine, or give --url "
                               "and --token") from None
        except (FileNotFoundError, KeyError, TypeError):
            raise CommandError(f"no running site with jobs in {layout.data_dir} ({how}): give --url and --token, "
                               "or turn jobs on (jobs.enabled) and run `campushub up`") from None
    if not url.startswith(("http://", "https://")):
        raise CommandError(f"--url {url[:100]!r}: give the jobs service's http(s) address", jobs_cli.BAD_INPUT)
    return jobs_cli.Client(url, token), (os.path.expanduser("~") if mine else None)


def _run(args) -> int:
    where, home = client(args)
    try:
        return jobs_cli.run(where, args, home=home)
    except jobs_cli.Failure as e:
        raise CommandError(str(e), e.status) from None


def _jobs(args) -> int:
    where, _home = client(args)
    try:
        return jobs_cli.jobs(where, args)
    except jobs_cli.Failure as e:
        raise CommandError(str(e), e.status) from None
