"""Validation of source notebooks: one line naming notebook, cell and fix, in every language."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import nbformat
import pytest

from campushub.assignments.format.errors import AssignmentError
from campushub.assignments.format.metadata import GradeCell, grade_cells, validate
from campushub.assignments.format.release import checked, make_release
from campushub.assignments.format.source import Source

PS1 = Path(__file__).parents[1] / "fixtures" / "ps1"


def ps1(name="problem1.ipynb"):
    return nbformat.read(PS1 / name, as_version=4)


def error_of(nb, name="problem1.ipynb") -> AssignmentError:
    with pytest.raises(AssignmentError) as info:
        validate(name, nb)
    return info.value


def assert_one_line(e: AssignmentError, *parts: str) -> None:
    for lang in ("en", "ja", "ru"):
        text = e.message(lang)
        assert "\n" not in text and len(text) < 300
        for part in parts:
            assert part in text, (lang, text)
    assert e.message("ja") != e.message("en") and e.message("ru") != e.message("en")


def test_fixture_is_valid_and_its_grade_cells_are_nbgrader_kinds():
    validate("problem1.ipynb", ps1())
    validate("problem2.ipynb", ps1("problem2.ipynb"))
    kinds = {c.grade_id: (c.kind, c.points, c.locked) for c in grade_cells(ps1("problem2.ipynb"))}
    assert kinds == {"explain": ("manual", 2.0, False), "fizz": ("manual", 1.0, False),
                     "plot_task": ("task", 2.0, True)}
    assert grade_cells(ps1())[1] == GradeCell("test_squares", "tests", 2.0, 4, True)


def test_duplicate_grade_id_names_both_cells():
    nb = ps1()
    nb.cells[7].metadata.nbgrader.grade_id = "test_squares"
    e = error_of(nb)
    assert_one_line(e, "problem1.ipynb", "test_squares")
    assert e.params["cell"] == 8 and e.params["other"] == 5


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_blank_or_missing_grade_id(blank):
    nb = ps1()
    if blank is None:
        del nb.cells[4].metadata.nbgrader["grade_id"]
    else:
        nb.cells[4].metadata.nbgrader.grade_id = blank
    assert_one_line(error_of(nb), "problem1.ipynb", "5")


@pytest.mark.parametrize("points", [-1, math.nan, math.inf, "3", True, None])
def test_bad_points(points):
    nb = ps1()
    nb.cells[4].metadata.nbgrader.points = points
    e = error_of(nb)
    assert_one_line(e, "problem1.ipynb", "5")
    assert e.source.startswith("{notebook}: cell {cell}: points")


def test_points_zero_is_fine():
    nb = ps1()
    nb.cells[4].metadata.nbgrader.points = 0
    validate("problem1.ipynb", nb)


@pytest.mark.parametrize("cell, text, starts", [
    (1, "x = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION", "### BEGIN SOLUTION"),  # a read-only cell
    (3, "def squares(n):\n    ### BEGIN HIDDEN TESTS\n    pass\n    ### END HIDDEN TESTS", "### BEGIN HIDDEN"),
    (4, "assert True\n### BEGIN HIDDEN TESTS\nassert 1", "{begin} without"),
    (3, "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "{begin} twice"),
    (4, "### AUTOTEST squares(3)", "AUTOTEST"),
    (0, "# Title\n### BEGIN MARK SCHEME\nx\n### END MARK SCHEME", "### BEGIN MARK SCHEME"),
])
def test_delimiters_in_the_wrong_cell_or_unbalanced(cell, text, starts):
    nb = ps1()
    nb.cells[cell].source = text
    e = error_of(nb)
    assert starts in e.source
    assert_one_line(e, "problem1.ipynb", str(cell + 1))


def test_markdown_grade_cell_must_be_a_manual_answer():
    nb = ps1("problem2.ipynb")
    nb.cells[2].metadata.nbgrader.solution = False
    assert_one_line(error_of(nb, "problem2.ipynb"), "problem2.ipynb", "3")


def test_task_cell_must_be_markdown():
    nb = ps1("problem2.ipynb")
    nb.cells[4] = nbformat.v4.new_code_cell("x = 1", metadata=copy.deepcopy(nb.cells[4].metadata))
    assert_one_line(error_of(nb, "problem2.ipynb"), "problem2.ipynb", "5")


def test_flags_must_be_booleans_and_metadata_an_object():
    nb = ps1()
    nb.cells[4].metadata.nbgrader.grade = "yes"
    assert_one_line(error_of(nb), "grade")
    nb = ps1()
    nb.cells[4].metadata["nbgrader"] = ["not", "an", "object"]
    assert_one_line(error_of(nb), "problem1.ipynb", "5")


def test_other_kernel_language_is_refused():
    nb = ps1()
    nb.metadata.kernelspec.language = "julia"
    assert_one_line(error_of(nb), "julia")


def test_newer_schema_is_refused_and_old_schemas_are_upgraded():
    nb = ps1()
    nb.cells[4].metadata.nbgrader.schema_version = 4
    assert_one_line(error_of(nb), "4")
    old = ps1()
    for cell in old.cells:  # schema 2 had no task flag; nbgrader upgrades it
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader.schema_version = 2
            cell.metadata.nbgrader.pop("task", None)
    checked("problem1.ipynb", nbformat.writes(old).encode())


@pytest.mark.parametrize("data", [b"{not json", b"\xff\xfe", json.dumps({"cells": 3}).encode(), b"[]"])
def test_malformed_notebook_is_one_line_and_releases_nothing(data):
    source = Source({"a.ipynb": nbformat.writes(ps1()).encode(), "b.ipynb": data}, {})
    with pytest.raises(AssignmentError) as info:
        make_release(source)
    assert_one_line(info.value, "b.ipynb")


def test_errors_survive_pickling():
    import pickle

    e = error_of(_duplicate())
    again = pickle.loads(pickle.dumps(e))
    assert again.message("ja") == e.message("ja") and again.params == e.params


def _duplicate():
    nb = ps1()
    nb.cells[7].metadata.nbgrader.grade_id = "test_squares"
    return nb
