"""nbgrader's cell metadata: which cells are graded, and checks with one-line errors.

nbgrader's own validator (nbgrader.nbgraderformat) runs last as a safety net;
the checks before it exist to name the notebook, the cell and the fix, where
nbgrader's messages name neither and print the whole cell source.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Literal

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import SchemaMismatchError
from nbgrader.preprocessors import ClearSolutions

from campushub.i18n import N_

from .errors import AssignmentError

Kind = Literal["autograded", "manual", "task", "tests"]
GRADE_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
SOLUTION = ("BEGIN SOLUTION", "END SOLUTION")  # nbgrader's default delimiters
HIDDEN = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
MARK_SCHEME = ("BEGIN MARK SCHEME", "END MARK SCHEME")
FLAGS = ("grade", "solution", "locked", "task")


@dataclass(frozen=True)
class GradeCell:
    grade_id: str
    kind: Kind
    points: float
    cell_index: int
    locked: bool


def kind_of(cell: NotebookNode) -> Kind | None:
    """nbgrader's cell roles: a solution that is also graded is marked by
    hand, a solution alone is checked by later "tests" cells."""
    if utils.is_task(cell):
        return "task"
    if utils.is_solution(cell):
        return "manual" if utils.is_grade(cell) else "autograded"
    if utils.is_grade(cell):
        return "tests"
    return None


def grade_cells(nb: NotebookNode) -> list[GradeCell]:
    out = []
    for index, cell in enumerate(nb.cells):
        kind = kind_of(cell)
        if kind is None:
            continue
        meta = cell.metadata.nbgrader
        points = float(meta.get("points", 0)) if kind != "autograded" else 0.0
        out.append(GradeCell(meta["grade_id"], kind, points, index, bool(utils.is_locked(cell))))
    return out


def upgrade(nb: NotebookNode) -> NotebookNode:
    """Older nbgrader schemas (0-2) as nbgrader itself upgrades them (in place)."""
    try:
        return MetadataValidator().upgrade_notebook_metadata(nb)
    except Exception:  # malformed old metadata: validate() names the cell
        return nb


def current(nb: NotebookNode) -> NotebookNode:
    """``nb`` itself when every nbgrader cell has schema 3, else an upgraded copy:
    the store keeps a source as it was uploaded, maybe from an older nbgrader."""
    metas = [c.get("metadata", {}).get("nbgrader") for c in nb.cells]
    if all(m.get("schema_version") == MetadataValidator.schema_version for m in metas if isinstance(m, dict)):
        return nb
    return upgrade(copy.deepcopy(nb))


def validate(name: str, nb: NotebookNode) -> None:
    """Raise AssignmentError for the first problem found in notebook ``name``."""
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    if language not in ClearSolutions().code_stub:
        raise AssignmentError(N_("{notebook}: kernel language {language} is not supported: use a Python kernel"),
                              notebook=name, language=str(language)[:40])
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        _check_cell(name, index + 1, cell, seen)
    try:
        MetadataValidator().validate_nb(nb)
    except (ValidationError, SchemaMismatchError) as e:
        detail = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
        raise AssignmentError(N_("{notebook}: nbgrader metadata is invalid ({detail}): fix it in the notebook"),
                              notebook=name, detail=detail) from None


def _check_cell(name: str, n: int, cell: NotebookNode, seen: dict[str, int]) -> None:
    where = {"notebook": name, "cell": n}
    meta = cell.get("metadata", {}).get("nbgrader")
    source = cell.get("source", "")
    source = source if isinstance(source, str) else "".join(source)
    if meta is None:
        _delimiters(where, source, solution=False, grade=False, task=False)
        return
    if not isinstance(meta, dict):
        raise AssignmentError(N_("{notebook}: cell {cell}: nbgrader metadata is not an object: "
                                 "set the cell type again in nbgrader's toolbar"), **where)
    for flag in FLAGS:
        if not isinstance(meta.get(flag, False), bool):
            raise AssignmentError(N_("{notebook}: cell {cell}: {flag} must be true or false"), flag=flag, **where)
    version = meta.get("schema_version", 0)
    if isinstance(version, int) and not isinstance(version, bool) and version > MetadataValidator.schema_version:
        raise AssignmentError(N_("{notebook}: cell {cell}: nbgrader metadata schema {version} is newer than "
                                 "this version understands: save it with nbgrader 0.9"), version=version, **where)
    grade, solution, task = meta.get("grade", False), meta.get("solution", False), meta.get("task", False)
    if any(meta.get(flag, False) for flag in FLAGS):
        _grade_id(where, meta, seen)
    if grade or task:
        _points(where, meta)
    if task and cell.cell_type != "markdown":
        raise AssignmentError(N_("{notebook}: cell {cell}: a task cell must be a Markdown cell"), **where)
    if task and (grade or solution):
        raise AssignmentError(N_("{notebook}: cell {cell}: a task cell cannot also be a solution or grade cell: "
                                 "choose one cell type"), **where)
    if cell.cell_type == "markdown" and not task and grade != solution:
        raise AssignmentError(N_("{notebook}: cell {cell}: a graded Markdown cell must be a manually graded "
                                 "answer (solution and grade both set)"), **where)
    if cell.cell_type not in ("code", "markdown") and (grade or solution or task):
        raise AssignmentError(N_("{notebook}: cell {cell}: only code and Markdown cells can be graded"), **where)
    tests = grade and not solution and cell.cell_type == "code"
    if tests and any("AUTOTEST" in line for line in source.split("\n")):
        raise AssignmentError(N_("{notebook}: cell {cell}: AUTOTEST lines are not supported: write the asserts "
                                 "out in the cell"), **where)
    _delimiters(where, source, solution=solution, grade=tests, task=task)


def _grade_id(where: dict, meta: dict, seen: dict[str, int]) -> None:
    grade_id = meta.get("grade_id")
    if not isinstance(grade_id, str) or not grade_id.strip():
        raise AssignmentError(N_("{notebook}: cell {cell}: the grade id is missing or blank: give the cell a "
                                 "unique id"), **where)
    if not GRADE_ID.match(grade_id):
        raise AssignmentError(N_("{notebook}: cell {cell}: grade id {id} may only contain letters, digits, "
                                 "_ and -"), id=repr(grade_id[:60]), **where)
    if grade_id in seen:
        raise AssignmentError(N_("{notebook}: cell {cell}: grade id {id} is used twice (also cell {other}): "
                                 "give each cell its own id"), id=grade_id, other=seen[grade_id], **where)
    seen[grade_id] = where["cell"]


def _points(where: dict, meta: dict) -> None:
    points = meta.get("points")
    ok = isinstance(points, (int, float)) and not isinstance(points, bool) and math.isfinite(points) and points >= 0
    if not ok:
        raise AssignmentError(N_("{notebook}: cell {cell}: points must be a number of 0 or more, not {points}"),
                              points=repr(points)[:40], **where)


_MISPLACED = {
    SOLUTION[0]: N_("{notebook}: cell {cell}: ### BEGIN SOLUTION outside a solution cell: mark the cell as a solution"),
    HIDDEN[0]: N_("{notebook}: cell {cell}: ### BEGIN HIDDEN TESTS outside an autograder tests cell: move the "
                  "hidden tests there"),
    MARK_SCHEME[0]: N_("{notebook}: cell {cell}: ### BEGIN MARK SCHEME outside a task cell: move it into the task"),
}


def _delimiters(where: dict, source: str, *, solution: bool, grade: bool, task: bool) -> None:
    for (begin, end), allowed in ((SOLUTION, solution), (HIDDEN, grade), (MARK_SCHEME, task)):
        inside = False
        for line in source.split("\n"):
            if begin in line:
                if not allowed:
                    raise AssignmentError(_MISPLACED[begin], **where)
                if inside:
                    raise AssignmentError(N_("{notebook}: cell {cell}: {begin} twice without {end} between: "
                                             "close the first region"), begin=begin, end=end, **where)
                inside = True
            elif end in line:
                inside = False
        if inside:
            raise AssignmentError(N_("{notebook}: cell {cell}: {begin} without a matching {end}: add the "
                                     "closing line"), begin=begin, end=end, **where)
