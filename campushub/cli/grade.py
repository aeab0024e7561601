"""`campushub grade SUBMISSION.ipynb --source SOURCE.ipynb`: autograde one
notebook offline with the same engine, sandbox and scoring as the assignments
service, for instructors trying a test and for CI checking a solution."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..content.check import sandbox
from ..content.check.outcome import clean
from .main import CommandError

if TYPE_CHECKING:
    from ..assignments.format.scoring import CellScore

BAD_INPUT, NOT_GRADED = 2, 1
EPILOG = ("exit status: 0 graded (whatever the score; use --json to read it), 1 could not grade (no sandbox here, "
          "the kernel did not run), 2 bad input (the source or the submission is not a valid notebook, or an "
          "option is wrong)")


def register(sub) -> None:
    p = sub.add_parser("grade", help="autograde a notebook against its nbgrader source, in the sandbox",
                       description="Autograde SUBMISSION.ipynb against the tests of SOURCE.ipynb (nbgrader format) "
                                   "in the same sandbox and with the same scoring as the assignments service. "
                                   "Data files next to SOURCE.ipynb are visible to the notebook, as for learners. "
                                   "Needs root (the sandbox runs the notebook as an unprivileged user).",
                       epilog=EPILOG)
    p.add_argument("submission", metavar="SUBMISSION.ipynb")
    p.add_argument("--source", required=True, metavar="SOURCE.ipynb", help="the source notebook (with solutions "
                   "and hidden tests)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.add_argument("--python", help="interpreter of the environment to run in (default: the site's default "
                   "environment; it needs ipykernel and nbclient)")
    p.add_argument("--config", metavar="FILE", help="site configuration, for the default environment")
    p.add_argument("--timeout", type=int, default=300, help="seconds any one cell may run (default 300)")
    p.add_argument("--stderr-harmless", action="store_true",
                   help="output on stderr (warnings) does not fail a test cell (nbgrader's default is that it does)")
    p.set_defaults(func=_grade)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise CommandError(f"{path}: cannot read the {what} ({e.strerror or e})", BAD_INPUT) from None


def _inputs(args) -> tuple[str, bytes, bytes, dict[str, bytes]]:
    # nbgrader and nbconvert take seconds to import: only this command pays for them (tests/cli/test_light_start.py)
    from ..assignments.format.errors import AssignmentError
    from ..assignments.format.release import checked
    from ..assignments.format.source import load_source, read_notebook

    source_path, submission_path = Path(args.source), Path(args.submission)
    if not 1 <= args.timeout <= 24 * 3600:
        raise CommandError("--timeout must be 1 to 86400 seconds", BAD_INPUT)
    name = source_path.name
    source, submission = _read(source_path, "source notebook"), _read(submission_path, "submission")
    try:
        checked(name, source)
        read_notebook(str(submission_path), submission)
        files = load_source(source_path.parent).files
    except AssignmentError as e:
        raise CommandError(e.message("en"), BAD_INPUT) from None
    return name, source, submission, files


def _grade(args) -> int:
    name, source, submission, files = _inputs(args)
    from ..assignments.grading.engine import Grader  # imports the runner machinery: only when grading
    from .content import _python

    python = _python(args)
    console = Console(stderr=True)
    try:
        with tempfile.TemporaryDirectory(prefix=f"campushub-grade-{os.getpid()}-") as tmp, \
                console.status(f"Grading {escape(name)} in the sandbox"), \
                Grader(python, workers=1, limits=sandbox.Limits(timeout=args.timeout), scratch_root=Path(tmp),
                       stderr_harmless=args.stderr_harmless) as grader:
            outcome = grader.grade({name: source}, {name: submission}, files)
    except sandbox.Unavailable as e:
        raise CommandError(clean(str(e), False), NOT_GRADED) from None
    scores = outcome.scores.get(name)
    if scores is None:
        raise CommandError(f"{name}: not graded: {clean(outcome.error or 'the runner gave no result', False)}",
                           NOT_GRADED)
    result = summary(name, scores, outcome.error, outcome.notes.get(name))
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
    else:
        _table(result)
    return 0


def summary(name: str, scores: list[CellScore], error: str | None, note: str | None) -> dict:
    auto = sum(s.auto_points or 0.0 for s in scores if s.kind == "tests")
    return {
        "notebook": name,
        "cells": [asdict(s) for s in scores],
        "auto_points": auto,
        "auto_max_points": sum(s.max_points for s in scores if s.kind == "tests"),
        "max_points": sum(s.max_points for s in scores if s.kind != "autograded"),
        "manual_pending": [s.grade_id for s in scores if s.kind in ("manual", "task") and s.auto_points is None],
        "error": error,
        "note": note,
    }


def _table(result: dict) -> None:
    table = Table(title=f"{result['notebook']}")
    for column in ("cell", "kind", "result", "points"):
        table.add_column(column, justify="right" if column == "points" else "left")
    for c in result["cells"]:
        if c["kind"] == "tests":
            outcome = "[green]passed[/]" if c["passed"] else "[red]failed[/]"
        elif c["kind"] in ("manual", "task"):
            outcome = "unanswered" if c["auto_points"] == 0 else "graded by hand"
        else:
            outcome = "answer"
        points = f"{c['auto_points']:g} / {c['max_points']:g}" if c["auto_points"] is not None else \
            (f"- / {c['max_points']:g}" if c["kind"] != "autograded" else "")
        table.add_row(escape(c["grade_id"]), c["kind"], outcome, points)
    console = Console()
    console.print(table)
    console.print(f"Autograded: {result['auto_points']:g} / {result['auto_max_points']:g} points "
                  f"(of {result['max_points']:g} in all; {len(result['manual_pending'])} cell(s) graded by hand)",
                  highlight=False)
    for line in (result["note"], result["error"]):
        if line:
            console.print(f"[yellow]note[/] {escape(line)}", highlight=False)
