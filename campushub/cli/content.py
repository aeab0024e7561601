"""`campushub content check PATH_OR_GIT_URL`: execute every notebook of a
course in a sandbox, in parallel, and report; exits 1 when any fails, so a
content repository's CI can run it (docs/content.md).

Messages are English, like every other CLI command (the catalog serves the
pages people see in a browser)."""

from __future__ import annotations

import math
import os
import re
import signal
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import config as site_config
from ..config import parse_bytes
from ..content.check import course as courses
from ..content.check import execute, meter, output, report, sandbox, snapshot
from ..content.check.outcome import clean
from .main import CommandError

MAX_TIMEOUT = 24 * 3600
_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def register(sub) -> None:
    p = sub.add_parser("content", help="course content tools")
    actions = p.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    c = actions.add_parser("check", help="execute every notebook of a course in a sandbox and recommend resources")
    c.add_argument("source", metavar="PATH_OR_GIT_URL")
    c.add_argument("--branch", help="git branch to check (default: the repository's default)")
    c.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="notebooks run at once (default: one per core)")
    c.add_argument("--timeout", type=int, default=300,
                   help="seconds a notebook may run (default 300; no single cell longer, "
                        "plus 30 s for its kernel to start and stop)")
    c.add_argument("--memory", default="2G", help="memory limit per notebook (default 2G)")
    c.add_argument("--cpu", type=float, default=float(os.cpu_count() or 1),
                   help="CPU cores per notebook (default: all, so the CPU a notebook wants is measured, not capped)")
    c.add_argument("--network", action="store_true", help="let notebooks reach the network (default: none)")
    c.add_argument("--python",
                   help="interpreter of the environment to run in (default: the site's default environment)")
    c.add_argument("--config", metavar="FILE", help="site configuration, for the default environment")
    c.add_argument("--out", default="content-check", metavar="DIR",
                   help="where the reports go (default ./content-check)")
    c.add_argument("--group", default="learners", help="group name in the recommended policy snippet")
    c.set_defaults(func=_check)


def _python(args) -> str:
    if args.python:
        python = args.python
    else:
        from ..deploy.local import environments

        config = site_config.load(args.config)
        # the same notion of "built" as `up` and `env list` (environments.py)
        env_dir = environments.built_default_env(config)
        if env_dir is None:
            name, env = next(iter(environments.definitions(config).items()))
            raise CommandError(f"environment {name}:{env.get('default_tag', 'stable')} is not built: run "
                               "`campushub up` or `campushub env build` first, or give --python")
        python = str(env_dir / "bin" / "python")
    if not os.path.isfile(python) or not os.access(python, os.X_OK):
        raise CommandError(f"{python}: not an executable interpreter; give --python of an environment with nbclient")
    return python


def _limits(args) -> sandbox.Limits:
    try:
        memory = parse_bytes(args.memory)
    except ValueError:
        raise CommandError(f"--memory {args.memory!r}: give a size such as 512M or 2G") from None
    if not math.isfinite(args.cpu) or not 0 < args.cpu <= 4096:
        raise CommandError(f"--cpu {args.cpu}: give a number of cores such as 0.5 or 2")
    if not 1 <= args.jobs <= 1024 or not 1 <= args.timeout <= MAX_TIMEOUT or memory < 64 * 2**20:
        raise CommandError(f"--jobs must be 1 to 1024, --timeout 1 to {MAX_TIMEOUT} seconds and --memory at least 64M")
    if not _GROUP.match(args.group):
        raise CommandError(f"--group {clean(args.group, False)!r}: give a group name (letters, digits, . _ -)")
    return sandbox.Limits(memory=memory, cpu=args.cpu, timeout=args.timeout, network=args.network)


def _check(args) -> int:
    limits, python = _limits(args), _python(args)
    stoppable = _Stoppable()
    try:
        sandbox.tools()
        sandbox.require_root()
        # 0700: root's alone; named by our pid, so it is clear whose it is
        with stoppable, tempfile.TemporaryDirectory(prefix=f"campushub-check-{os.getpid()}-") as tmp:
            results, skipped = _run_all(args, Path(tmp), python, limits, stoppable)
    except (sandbox.Unavailable, courses.CourseError, snapshot.SnapshotError, output.OutputError) as e:
        raise CommandError(clean(str(e), False)) from None
    results.sort(key=lambda r: r.notebook)
    files = report.render(courses.display(args.source), results, args.group, skipped)
    try:
        paths = output.write(Path(args.out), files)
    except output.OutputError as e:
        raise CommandError(str(e)) from None
    print(files[report.FILES["markdown"]])  # not read back: --out may be a folder others can write
    print(f"Reports: {', '.join(str(p) for p in paths.values())}")
    return 0 if all(r.status == "passed" for r in results) else 1


def _run_all(args, tmp: Path, python: str, limits: sandbox.Limits, stoppable: _Stoppable):
    course = courses.fetch(args.source, tmp, args.branch)
    skipped = snapshot.copy(course, tmp / "snapshot")  # what runs is this copy: the course may change meanwhile
    found = courses.notebooks(tmp / "snapshot")
    if not found:
        raise courses.CourseError(f"{courses.display(args.source)}: no notebooks (*.ipynb) found")
    output.check_writable(Path(args.out))
    sandbox.probe(tmp / "probe")  # no sandbox, no run: one line saying why, before any notebook
    hierarchy = meter.backend()
    runs = stoppable.runs = execute.Runs(tmp / "snapshot", python, limits, tmp, hierarchy)
    console = Console(stderr=True)
    for note in skipped:
        console.print(f"[yellow]left out[/] {escape(clean(note, False))}", highlight=False)
    results = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    pool = ThreadPoolExecutor(args.jobs)
    try:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("Running notebooks", total=len(found))
            for future in as_completed([pool.submit(runs.run, nb) for nb in found]):
                result = future.result()
                if result is None:
                    continue
                results.append(result)
                mark = "[green]passed[/]" if result.status == "passed" else f"[red]{escape(result.status)}[/]"
                progress.console.print(f"{mark} {escape(clean(result.notebook, False))} "
                                       f"({result.wall_seconds:.1f} s)", highlight=False)
                progress.advance(task)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results, skipped


class _Stoppable:
    """Ctrl-C or SIGTERM stop every run at once; the temporary copies and cgroups go as the stack unwinds."""

    def __init__(self):
        self.runs: execute.Runs | None = None
        self.stopped = False

    def __enter__(self):
        self.previous = {s: signal.signal(s, self._stop) for s in (signal.SIGINT, signal.SIGTERM)}

    def _stop(self, signum, frame):
        self.stopped = True
        for s in self.previous:
            signal.signal(s, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        if self.runs is not None:
            self.runs.stop()
        how = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
        raise CommandError(f"stopped by {how}: every notebook run was ended, no report written", status=128 + signum)

    def __exit__(self, *exc):
        if self.stopped:
            return  # keep ignoring signals until the copies are gone; the command ends right after
        for s, handler in self.previous.items():
            signal.signal(s, handler)
