"""The notebook to execute: the learner's answers around the source's tests.

nbgrader's autograde sanitises a submission with ClearOutput, DeduplicateIds,
OverwriteKernelspec and OverwriteCells; the last needs its gradebook, so its
rules are applied here from the source notebook itself, stricter on one
point: every nbgrader field (not only locked/points/checksum) comes from the
source, so relabelling a test cell as a "solution" cannot keep a learner's
edited test (nbgrader would stop with "Inconsistent checksums").
"""

from __future__ import annotations

import copy
import uuid

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearOutput

from .release import reference_version

# nbgrader's OverwriteCells.missing_cell_notification, the same words.
MISSING = "This cell (id:{cell_id}) was missing from the submission. It was added back by nbgrader.\n\n"


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _reset(cell: NotebookNode, cell_type: str) -> None:
    """Turn a learner's cell back into the source's cell type (OverwriteCells.update_cell_type)."""
    if cell.cell_type == cell_type:
        return
    cell.cell_type = cell_type
    if cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _fresh(ref: NotebookNode, taken: set[str]) -> NotebookNode:
    cell = copy.deepcopy(ref)
    cell.source = MISSING.format(cell_id=_grade_id(ref)) + cell.source
    if cell.cell_type == "code":
        cell.source = "# " + cell.source  # the notification as a comment, as nbgrader writes it
        cell.outputs, cell.execution_count = [], None
    if cell.get("id") in taken:
        cell.id = uuid.uuid4().hex[:8]
    return cell


def merge_submission(source_nb: NotebookNode, submitted_nb: NotebookNode) -> NotebookNode:
    """``submitted_nb`` with its outputs cleared, duplicates of a grade id
    stripped (the last one keeps it, as DeduplicateIds does), unknown grade
    ids dropped, every graded or locked cell's metadata and type taken from
    the source, locked cells' sources (tests with their hidden part) put
    back, and deleted grade and task cells added back after the cell that
    preceded them in the source."""
    ref = reference_version(source_nb)
    ref_cells = {gid: c for c in ref.cells if (gid := _grade_id(c)) and _graded_or_locked(c)}
    nb = copy.deepcopy(submitted_nb)
    nb, _ = ClearOutput().preprocess(nb, {})
    seen: set[str] = set()
    for cell in reversed(nb.cells):
        gid = _grade_id(cell)
        if "nbgrader" in cell.get("metadata", {}) and (gid is None or gid in seen or gid not in ref_cells):
            del cell.metadata["nbgrader"]  # not a cell of this assignment: an ordinary cell now
            continue
        if gid is None:
            continue
        seen.add(gid)
        source = ref_cells[gid]
        _reset(cell, source.cell_type)
        cell.metadata["nbgrader"] = copy.deepcopy(source.metadata["nbgrader"])
        for key in ("editable", "deletable"):
            if key in source.metadata:
                cell.metadata[key] = source.metadata[key]
        if utils.is_locked(source):
            cell.source = source.source
    _add_missing(ref, nb, seen)
    if "kernelspec" in source_nb.metadata:  # OverwriteKernelspec: the source's kernel, not the learner's
        nb.metadata["kernelspec"] = copy.deepcopy(source_nb.metadata["kernelspec"])
    return nb


def _graded_or_locked(cell) -> bool:
    return bool(utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell) or utils.is_task(cell))


def _add_missing(ref: NotebookNode, nb: NotebookNode, present: set[str]) -> None:
    taken = {c.get("id") for c in nb.cells}
    position = {_grade_id(c): i for i, c in enumerate(nb.cells) if _grade_id(c)}
    after = -1  # index in nb of the last source cell found there
    for cell in ref.cells:
        gid = _grade_id(cell)
        if not gid or not _graded_or_locked(cell):
            continue
        if gid in present:
            after = position[gid]
            continue
        if not (utils.is_grade(cell) or utils.is_task(cell)):
            continue  # a deleted answer or read-only cell scores nothing anyway, as in nbgrader
        new = _fresh(cell, taken)
        nb.cells.insert(after + 1, new)
        taken.add(new.get("id"))
        position = {_grade_id(c): i for i, c in enumerate(nb.cells) if _grade_id(c)}
        after = position[gid]
        present.add(gid)
