"""The student version of an assignment, made by nbgrader's own preprocessors."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import (
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    LockCells,
)

from .metadata import GradeCell, grade_cells, upgrade, validate
from .source import Source, read_notebook


@dataclass(frozen=True)
class Release:
    """What learners fetch (notebooks and data files, by relative path), and
    how each notebook is graded."""

    student: dict[str, bytes] = field(default_factory=dict)
    grade_cells: dict[str, list[GradeCell]] = field(default_factory=dict)
    max_points: float = 0.0


def _run(nb: NotebookNode, steps) -> NotebookNode:
    resources: dict = {}
    for step in steps:
        nb, resources = step().preprocess(nb, resources)
    return nb


def reference_version(source_nb: NotebookNode) -> NotebookNode:
    """The source as `nbgrader generate_assignment` records it in its
    gradebook (SaveCells): solutions stubbed, hidden tests still in,
    checksums computed. Autograding restores locked cells and checksums from
    this, as nbgrader's OverwriteCells does from the gradebook."""
    return _run(upgrade(copy.deepcopy(source_nb)), (LockCells, ClearSolutions, ClearOutput, ComputeChecksums))


def student_version(source_nb: NotebookNode) -> NotebookNode:
    """generate_assignment's pipeline, in its order, minus the steps that need
    its gradebook (SaveCells), a kernel (InstantiateTests) or its course
    directory (IncludeHeaderFooter): hidden tests are cleared only after the
    checksums of the full tests were taken, then checksums are taken again."""
    nb = reference_version(source_nb)
    return _run(nb, (ClearHiddenTests, ClearMarkScheme, ComputeChecksums))


def checked(name: str, data: bytes) -> NotebookNode:
    """A source notebook parsed, upgraded to nbgrader's schema 3 and validated."""
    nb = upgrade(read_notebook(name, data))
    validate(name, nb)
    return nb


def make_release(source: Source) -> Release:
    """Validate every notebook first, so one bad notebook releases nothing."""
    parsed = {name: checked(name, data) for name, data in sorted(source.notebooks.items())}
    student: dict[str, bytes] = {}
    cells: dict[str, list[GradeCell]] = {}
    for name, nb in parsed.items():
        student[name] = nbformat.writes(student_version(nb)).encode("utf-8") + b"\n"
        cells[name] = grade_cells(nb)
    student.update(source.files)
    total = sum(c.points for cs in cells.values() for c in cs if c.kind != "autograded")
    return Release(student=dict(sorted(student.items())), grade_cells=cells, max_points=total)
