"""Small nbgrader-format notebooks for the grading tests: answer cells the
learner writes, test cells (with points) from the source."""

from __future__ import annotations

from pathlib import Path

import nbformat
import psutil

from campushub.assignments.grading.worker import PREFIX
from campushub.deploy.local.spawner import cgroups


def answer(grade_id: str, source: str):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.nbgrader = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3,
                              "solution": True, "task": False}
    return cell


def grade_test(grade_id: str, source: str, points: float = 1):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.nbgrader = {"grade": True, "grade_id": grade_id, "locked": True, "points": points,
                              "schema_version": 3, "solution": False, "task": False}
    return cell


def notebook(*cells) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(nb).encode()


def attack(code: str, check: str, hidden: str = "") -> tuple[bytes, bytes]:
    """(source, submission): a passing test, the learner's `code`, a test `check` of what it achieved (with
    `hidden` as its hidden part in the source only), and a last test that needs only the kernel alive.
    An attack contained scores 1, 0, 1."""
    def cells(achieved: str):
        return [answer("setup", "def double(x):\n    return 2 * x"), grade_test("before", "assert double(2) == 4"),
                answer("attack", code), grade_test("achieved", achieved),
                grade_test("after", "assert double(3) == 6")]
    source = notebook(*cells(f"{check}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS" if hidden else check))
    return source, notebook(*cells(check))


def printed(outcome, grade_id: str = "attack", name: str = "nb.ipynb") -> str:
    """What the cell `grade_id` printed, as the executed notebook kept it."""
    nb = nbformat.reads(outcome.executed[name].decode(), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def points(outcome, name: str = "nb.ipynb") -> dict[str, float | None]:
    return {c.grade_id: c.auto_points for c in outcome.scores[name] if c.kind == "tests"}


def leftovers(grader) -> tuple[set[str], set[int]]:
    """The grader's cgroups and its runners and kernels (named by its scratch folder) still there."""
    groups = set()
    backend = cgroups.detect()
    bases = backend.mounts.values() if backend.version == 1 else [backend.root]
    for base in bases:
        parent = Path(base) / cgroups.PARENT
        if parent.is_dir():
            groups |= {p.name for p in parent.iterdir() if p.name.startswith(f"{PREFIX}{grader.tag}-")}
    scratch = str(grader.settings.scratch_root)
    procs = {p.pid for p in psutil.Process().children(recursive=True) if any(scratch in a for a in _cmdline(p))}
    return groups, procs


def _cmdline(process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []
