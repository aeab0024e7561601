"""Points per grade cell, as nbgrader's determine_grade gives them, judged
from the kernel's execute_reply status rather than from printed output.

nbgrader fails a test cell whose outputs hold an error or anything written
to stderr. An error output is only what the kernel chose to print, so a
learner who hides tracebacks (or replaces showtraceback) would hide the
failure; the reply's status cannot be edited from the notebook. Output on
stderr still fails the cell like in nbgrader unless ``stderr_harmless`` is
set, because warnings (DeprecationWarning from a library, say) land there.
Outputs can only take points away, never give them, except a test cell's own
numeric result, which is nbgrader's partial credit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nbformat import NotebookNode
from nbgrader import utils

from .merge import merge_submission
from .metadata import Kind, current, grade_cells

__all__ = ["CellScore", "merge_submission", "score"]


@dataclass(frozen=True)
class CellScore:
    """``auto_points`` is None where a person grades (manual answers, tasks);
    ``passed`` is None unless the cell is an autograder test."""

    grade_id: str
    kind: Kind
    max_points: float
    auto_points: float | None
    passed: bool | None


def score(source_nb: NotebookNode, executed_nb: NotebookNode, replies: dict[int, dict],
          stderr_harmless: bool = False) -> list[CellScore]:
    """One CellScore per grade cell of the source, in source order.

    ``executed_nb`` is merge_submission's notebook after execution and
    ``replies`` maps its cell indexes to the kernel's execute_reply content;
    a test cell with no reply (never run: time ran out, the kernel died) fails.
    """
    by_id: dict[str, tuple[int, NotebookNode]] = {}
    for index, cell in enumerate(executed_nb.cells):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid is not None and gid not in by_id:
            by_id[gid] = (index, cell)
    out = []
    for gc in grade_cells(current(source_nb)):
        index, cell = by_id.get(gc.grade_id, (None, None))
        if gc.kind == "tests":
            reply = replies.get(index) if index is not None else None
            points = _test_points(cell, reply, gc.points, stderr_harmless)
            out.append(CellScore(gc.grade_id, gc.kind, gc.points, points, _ran(reply, cell, stderr_harmless)))
        elif gc.kind == "manual":
            out.append(CellScore(gc.grade_id, gc.kind, gc.points, _unanswered(cell), None))
        else:
            out.append(CellScore(gc.grade_id, gc.kind, gc.points, None, None))
    return out


def _ran(reply: dict | None, cell, stderr_harmless: bool) -> bool:
    if cell is None or not reply or reply.get("status") != "ok":
        return False
    return stderr_harmless or not any(_is_stderr(o) for o in cell.get("outputs", []))


def _is_stderr(output) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


def _test_points(cell, reply: dict | None, max_points: float, stderr_harmless: bool) -> float:
    if not _ran(reply, cell, stderr_harmless):
        return 0.0
    # A test cell's own result is its one execute_result. Learner code can add
    # more (an IPython pre_run_cell hook calling displayhook, say), where
    # nbgrader takes the first; the lowest can only be the cell's own or less.
    results = [_partial(o, max_points) for o in cell.get("outputs", []) if o.get("output_type") == "execute_result"]
    return min(results, default=max_points)


def _partial(output, max_points: float) -> float:
    """nbgrader's get_partial_grade, except that a result above the cell's
    points is capped (nbgrader stops the whole autograde there) and a result
    without text/plain counts as no number (nbgrader raises KeyError)."""
    text = output.get("data", {}).get("text/plain")
    if not text:
        return max_points
    try:
        points = utils.get_partial_grade(output, max_points)
    except ValueError:  # above max_points
        return max_points
    return max_points if not math.isfinite(points) else float(points)


def _unanswered(cell) -> float | None:
    """0 for a manual answer left as the release gave it (its checksum
    unchanged, as nbgrader's determine_grade); otherwise a person grades it."""
    if cell is None:
        return 0.0
    meta = cell.metadata.get("nbgrader", {})
    if "checksum" in meta and meta["checksum"] == utils.compute_checksum(cell):
        return 0.0
    return None
