"""`campushub retention plan|apply|restore|log`: archive and delete the homes of people who finished.

People (groups, admin flag, activity, running servers) come from the hub's
REST API: locally with the CLI's token, elsewhere with --url and a token in
CAMPUSHUB_API_TOKEN. Homes come from the backend of --target: this
machine's (deploy/local/retention_homes.py) or the release's claims on
Kubernetes (deploy/kubernetes/retention_pvcs.py). `plan` and `apply` call
the same make_plan, so what was shown is what is done.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import requests
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from .. import config as site_config
from ..retention import apply as engine
from ..retention.audit import AuditLog, audit_path
from ..retention.backend import RetentionError, explain
from ..retention.model import ARCHIVE, Person, people_from_api
from ..retention.plan import make_plan
from . import retention_show as show
from . import target
from .hub_api import HubAPI
from .main import CommandError

TOKEN_ENV = "CAMPUSHUB_API_TOKEN"
PAGE = 200


def register(sub) -> None:
    p = sub.add_parser("retention", help="archive, verify and delete the homes of people who finished; restore them")
    actions = p.add_subparsers(dest="retention_command", required=True, metavar="ACTION")
    plan = actions.add_parser("plan", help="show whom the rules select, their home sizes, and what apply would do")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.set_defaults(func=_plan)
    apply = actions.add_parser("apply", help="archive each planned home, verify the archive, then delete the home")
    apply.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    apply.add_argument("--dry-run", action="store_true", help="show the plan and change nothing")
    apply.set_defaults(func=_apply)
    restore = actions.add_parser("restore", help="bring a person's home back from their newest (or a given) archive")
    restore.add_argument("user", metavar="USER", help="the hub user name")
    restore.add_argument("--archive", metavar="FILE", help="this archive instead of the newest of USER")
    restore.add_argument("--force", action="store_true", help="write over a home that is not empty")
    restore.set_defaults(func=_restore)
    log = actions.add_parser("log", help="show the audit log of every retention action")
    log.add_argument("--json", action="store_true", help="print the lines as they are stored (JSON lines)")
    log.add_argument("--user", metavar="USER", help="only this person's lines")
    log.set_defaults(func=_log)
    for action in (plan, apply):
        action.add_argument("--measure", action="store_true",
                            help="on Kubernetes: measure what each home claim holds with a Job (one pod per "
                            "person; without it the plan shows the claims' sizes)")
    for action in (plan, apply, restore, log):
        target.add_arguments(action)
        action.add_argument("--target", choices=("local", "kubernetes"), default="local",
                            help="where the homes are: this machine (default) or the release's volume claims")
        action.add_argument("--url", metavar="HUB_URL", help=f"a hub elsewhere (on Kubernetes): its public "
                            f"address; the token comes from {TOKEN_ENV}")


def _config(args, layout) -> dict:
    """The site's configuration: --config, else what the running `up` runs with."""
    if args.config:
        return site_config.load(args.config)
    try:
        return json.loads(layout.config_copy.read_text())  # already validated and filled in by `up`
    except FileNotFoundError:
        raise CommandError(f"no site configuration: give --config FILE (none is running in {layout.data_dir})",
                           2) from None


def _api(args, layout) -> HubAPI:
    if args.url:
        token = os.environ.get(TOKEN_ENV, "").strip()
        if not args.url.startswith(("http://", "https://")) or not token:
            raise CommandError(f"--url needs the hub's http(s) address and a token with the admin:users scope "
                               f"in {TOKEN_ENV}", 2)
        return HubAPI(args.url.rstrip("/") + "/hub/api/", token)
    try:
        return HubAPI.for_layout(layout)
    except FileNotFoundError:
        raise CommandError(f"the hub of {layout.data_dir} is not running: retention reads people from the hub; "
                           "start it with `campushub up` (or give --url)") from None


def _people(api: HubAPI) -> list[Person]:
    models, offset = [], 0
    try:
        while True:
            page = api.get("users", params={"offset": offset, "limit": PAGE})
            models += page
            if len(page) < PAGE:
                return people_from_api(models)
            offset += len(page)
    except requests.RequestException as e:
        raise CommandError(f"cannot read people from the hub at {api.url} ({type(e).__name__}): is it running? "
                           "(`campushub status`)") from None


def _backend(args, config: dict, layout, api: HubAPI):
    def running(name: str) -> bool:
        try:
            return Person.from_api(api.get(f"users/{quote(name, safe='')}")).running
        except requests.HTTPError as e:
            if e.response is not None and e.response.status_code == 404:
                return False  # no such hub user (any more): no server of theirs can run
            raise

    if args.target == "kubernetes":
        try:
            from ..deploy.kubernetes.retention_pvcs import KubernetesHomes
        except ModuleNotFoundError as e:  # the API client comes with the kubernetes extra only
            if not (e.name or "").startswith("kubernetes_asyncio"):
                raise
            raise CommandError("--target kubernetes needs the Kubernetes API client: "
                               "pip install 'campushub[kubernetes]', then run this again") from None

        try:
            return KubernetesHomes(config, audit_path(layout.data_dir), measure=getattr(args, "measure", False),
                                   running=running)
        except RetentionError as e:  # no cluster to reach: one line, as any other setup problem
            raise CommandError(str(e)) from None
    from ..deploy.local.retention_homes import LocalHomes

    spawner = config["spawner"]
    return LocalHomes(spawner["home_root"], spawner["user_prefix"], config["retention"]["archive_dir"], running)


def _setup(args):
    layout, _ = target.layout_for(args)
    config = _config(args, layout)
    api = _api(args, layout)
    return layout, config, api, _backend(args, config, layout, api)


def _make_plan(args, config, api, backend, audit: AuditLog, console: Console):
    with console.status("Reading people from the hub and measuring their homes..."):
        try:
            plan = make_plan(_people(api), config, backend, datetime.now(UTC))
        except (RetentionError, OSError) as e:  # the Kubernetes API refused a listing, a home unreadable
            raise CommandError(f"cannot make the plan: {explain(e)}") from None
    totals = plan.to_json()["totals"]
    command = args.retention_command + (" --dry-run" if getattr(args, "dry_run", False) else "")
    audit.record("plan", None, command=command, backend=backend.name,
                 users=[i.user.name for i in plan.items], **totals)
    return plan


def _plan(args) -> int:
    console = Console(highlight=False, soft_wrap=True, stderr=args.json)
    layout, config, api, backend = _setup(args)
    plan = _make_plan(args, config, api, backend, AuditLog(audit_path(layout.data_dir)), console)
    if args.json:
        print(json.dumps(plan.to_json(), indent=1))
    else:
        show.plan(console, plan)
    return 0


def _lock(layout):
    """One apply or restore at a time per site: two would archive one home twice."""
    path = audit_path(layout.data_dir).with_name("apply.lock")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    f = open(path, "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        raise CommandError("another `campushub retention apply` or `restore` runs for this site; "
                           "wait for it to finish") from None
    return f


def _apply(args) -> int:
    console = Console(highlight=False, soft_wrap=True)
    layout, config, api, backend = _setup(args)
    section = config["retention"]
    if not args.dry_run and not section["enabled"]:
        raise CommandError("retention.enabled is false: set it to true in the site configuration to let apply "
                           "archive and delete homes (`retention plan` shows what it would do)", 2)
    if not args.dry_run and args.target == "local" and not section["archive_dir"]:
        # a site configured for Kubernetes alone has only retention.kubernetes.archive_volume
        raise CommandError("retention.archive_dir is not set: give the folder this site's archives go to", 2)
    audit = AuditLog(audit_path(layout.data_dir))
    with _lock(layout):
        plan = _make_plan(args, config, api, backend, audit, console)
        show.plan(console, plan)
        todo = [i for i in plan.items if i.action == ARCHIVE]
        if args.dry_run:
            console.print("Dry run: nothing was archived or deleted.")
            return 0
        if todo and not args.yes:
            if not sys.stdin.isatty():
                raise CommandError("give --yes to archive and delete these homes without a question", 2)
            answer = console.input(f"Archive and delete {len(todo)} home(s)? Type yes to go on: ")
            if answer.strip().lower() != "yes":
                console.print("Nothing was changed.")
                return 1
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=not console.is_terminal) as progress:
            task = progress.add_task("Archiving", total=sum(i.home.bytes or 0 for i in todo) or None)
            rows = engine.apply_plan(plan, backend, audit,
                                     step=lambda user, what: progress.update(
                                         task, description=f"{show.shown(user)}: {what}"),
                                     on_bytes=lambda n: progress.advance(task, n))
    show.results(console, rows)
    console.print(f"Audit log: {audit.path} (`campushub retention log`)")
    return 1 if any(r["outcome"] == "failed" for r in rows) else 0


def _restore(args) -> int:
    console = Console(highlight=False, soft_wrap=True)
    layout, config, api, backend = _setup(args)
    audit = AuditLog(audit_path(layout.data_dir))
    with _lock(layout):
        try:
            with console.status(f"Verifying and restoring the home of {args.user}..."):
                done = engine.restore(args.user, backend, audit, args.archive, args.force)
        except RetentionError as e:
            raise CommandError(str(e)) from None
    console.print(f"Restored {done['files']} files ({show.size(done['bytes'])}) of {args.user} from "
                  f"{done['archive']} into {done['location']}. They can log in and start their server.")
    return 0


def _log(args) -> int:
    layout, _ = target.layout_for(args)
    lines = AuditLog(audit_path(Path(layout.data_dir))).read()
    if args.user:
        lines = [line for line in lines if line.get("user") == args.user]
    if args.json:
        for line in lines:
            print(json.dumps(line, sort_keys=True))
    else:
        show.log(Console(highlight=False, soft_wrap=True), lines)
    return 0
