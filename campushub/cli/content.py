"""`campushub content check PATH_OR_GIT_URL`: execute every notebook of a
course in a sandbox, in parallel, and report; exits 1 when any fails, so a
content repository's CI can run it (docs/content-check.md)."""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import config as site_config
from ..config import parse_bytes
from ..content.check import course as courses
from ..content.check import report, sandbox
from .main import CommandError


def register(sub) -> None:
    p = sub.add_parser("content", help="course content tools")
    actions = p.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    c = actions.add_parser("check", help="execute every notebook of a course in a sandbox and recommend resources")
    c.add_argument("source", metavar="PATH_OR_GIT_URL")
    c.add_argument("--branch", help="git branch to check (default: the repository's default)")
    c.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once (default: one per core)")
    c.add_argument("--timeout", type=int, default=300, help="seconds a notebook may run (default 300; no single cell longer, plus 30 s for its kernel to start and stop)")
    c.add_argument("--memory", default="2G", help="memory limit per notebook (default 2G)")
    c.add_argument("--cpu", type=float, default=float(os.cpu_count() or 1),
                   help="CPU cores per notebook (default: all, so the CPU a notebook wants is measured, not capped)")
    c.add_argument("--network", action="store_true", help="let notebooks reach the network (default: none)")
    c.add_argument("--python", help="interpreter of the environment to run in (default: the site's default environment)")
    c.add_argument("--config", metavar="FILE", help="site configuration, for the default environment")
    c.add_argument("--out", default="content-check", metavar="DIR", help="where the reports go (default ./content-check)")
    c.add_argument("--group", default="learners", help="group name in the recommended policy snippet")
    c.set_defaults(func=_check)


def _python(args) -> str:
    if args.python:
        return args.python
    from ..deploy.local import environments

    config = site_config.load(args.config)
    name, env = next(iter(environments.definitions(config).items()))
    try:
        found = environments.resolve(config["install_prefix"], name, env.get("default_tag", "stable"))
    except LookupError as e:
        raise CommandError(f"{e}: run `campushub env build` first, or give --python") from None
    return str(found.env_dir / "bin" / "python")


def _limits(args) -> sandbox.Limits:
    try:
        memory = parse_bytes(args.memory)
    except ValueError:
        raise CommandError(f"--memory {args.memory!r}: give a size such as 512M or 2G") from None
    if args.jobs < 1 or args.timeout < 1 or args.cpu <= 0 or memory < 64 * 2**20:
        raise CommandError("--jobs, --timeout and --cpu must be positive and --memory at least 64M")
    return sandbox.Limits(memory=memory, cpu=args.cpu, timeout=args.timeout, network=args.network)


def _check(args) -> int:
    limits, python = _limits(args), _python(args)
    if not os.access(python, os.X_OK):
        raise CommandError(f"{python}: not an executable interpreter")
    console = Console(stderr=True)
    with tempfile.TemporaryDirectory(prefix="campushub-check-") as tmp:
        os.chmod(tmp, 0o755)  # the sandboxed user must reach its scratch dirs below
        try:
            course = courses.fetch(args.source, Path(tmp), args.branch)
        except courses.CourseError as e:
            raise CommandError(str(e)) from None
        found = courses.notebooks(course)
        if not found:
            raise CommandError(f"{args.source}: no notebooks (*.ipynb) found")
        results = []
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as progress, ThreadPoolExecutor(args.jobs) as pool:
            task = progress.add_task("Running notebooks", total=len(found))
            futures = {pool.submit(sandbox.run, course, nb, python, limits, Path(tmp)): nb for nb in found}
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                mark = "[green]passed[/]" if result.status == "passed" else f"[red]{result.status}[/]"
                progress.console.print(f"{mark} {result.notebook} ({result.wall_seconds:.1f} s)")
                progress.advance(task)
    results.sort(key=lambda r: r.notebook)
    paths = report.write(Path(args.out), args.source, results, args.group)
    print(paths["markdown"].read_text())
    print(f"Reports: {paths['json']}, {paths['markdown']}, {paths['html']}")
    return 0 if all(r.status == "passed" for r in results) else 1
