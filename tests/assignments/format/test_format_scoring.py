"""Scoring: nbgrader's points, judged from the kernel's execute_reply status.

The first tests set replies and outputs by hand (what scoring is given); the
rest run merged submissions on a real kernel (conftest.execute)."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

from campushub.assignments.format.release import student_version
from campushub.assignments.format.scoring import merge_submission, score

PS1 = Path(__file__).parents[1] / "fixtures" / "ps1"
DATA = {"data/numbers.csv": (PS1 / "data" / "numbers.csv").read_bytes()}
TESTS = {"test_squares": 4, "test_column_mean": 7, "test_clamp": 10}  # cell indexes in problem1


def source(name="problem1.ipynb"):
    return nbformat.read(PS1 / name, as_version=4)


def released(name="problem1.ipynb"):
    return student_version(source(name))


def points(scores) -> dict:
    return {s.grade_id: (s.auto_points, s.passed) for s in scores if s.kind in ("tests", "manual", "task")}


def stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def result(text):
    return nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=1)


def by_hand(outputs: dict[int, list], statuses: dict[int, str], stderr_harmless=False):
    src = source()
    executed = merge_submission(src, released())
    for index, outs in outputs.items():
        executed.cells[index].outputs = outs
    replies = {i: {"status": s} for i, s in statuses.items()}
    return points(score(src, executed, replies, stderr_harmless))


def test_reply_status_decides_not_printed_errors():
    # A failing test whose traceback was hidden (no error output at all) scores nothing...
    assert by_hand({}, {4: "error", 7: "ok", 10: "aborted"})["test_squares"] == (0.0, False)
    # ...and an "error" a learner printed in a test that ran fine takes nothing away.
    fake = nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=["fake"])
    assert by_hand({4: [fake]}, {4: "ok", 7: "ok", 10: "ok"})["test_squares"] == (2.0, True)


def test_no_reply_fails():
    got = by_hand({}, {4: "ok"})
    assert got["test_squares"] == (2.0, True)
    assert got["test_column_mean"] == (0.0, False) and got["test_clamp"] == (0.0, False)


def test_stderr_fails_like_nbgrader_unless_harmless():
    outs = {7: [stream("stderr", "DeprecationWarning: old\n")]}
    ok = {4: "ok", 7: "ok", 10: "ok"}
    assert by_hand(outs, ok)["test_column_mean"] == (0.0, False)
    assert by_hand(outs, ok, stderr_harmless=True)["test_column_mean"] == (3.0, True)
    # stdout never fails a cell
    assert by_hand({7: [stream("stdout", "hello\n")]}, ok)["test_column_mean"] == (3.0, True)


@pytest.mark.parametrize("text, expected", [
    ("1.5", 1.5), ("0.0", 0.0), ("3", 3.0),
    ("7.0", 3.0),           # above the cell's points: capped (nbgrader stops the autograde there)
    ("-1.0", 3.0), ("'some text'", 3.0), ("nan", 3.0),  # nbgrader: not a partial grade, full points
])
def test_partial_credit_from_a_numeric_result(text, expected):
    got = by_hand({10: [result(text)]}, {4: "ok", 7: "ok", 10: "ok"})
    assert got["test_clamp"] == (expected, True)


def test_extra_results_from_learner_code_cannot_raise_partial_credit():
    """A hook of the learner's that displays "3.0" before the test's own result (nbgrader reads the first)."""
    got = by_hand({10: [result("3.0"), result("1.0")]}, {4: "ok", 7: "ok", 10: "ok"})
    assert got["test_clamp"] == (1.0, True)
    got = by_hand({10: [result("'all tests passed'"), result("2.0")]}, {4: "ok", 7: "ok", 10: "ok"})
    assert got["test_clamp"] == (2.0, True)


def test_partial_credit_is_not_given_to_a_failed_cell():
    assert by_hand({10: [result("3.0")]}, {4: "ok", 7: "ok", 10: "error"})["test_clamp"] == (0.0, False)


# -- on a real kernel ---------------------------------------------------------------------------------------

# A kernel per test (seconds each): with the sandboxed engine's tests, out of the fast tier.
KERNEL = pytest.mark.stack

def answer(nb, grade_id, text):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = text
            return cell
    raise KeyError(grade_id)


SQUARES = "def squares(n):\n    return [i * i for i in range(1, n + 1)]"
MEAN = "def column_mean(path):\n    return 2.5"


def run_scored(run_notebook, submitted, stderr_harmless=False, name="problem1.ipynb"):
    merged = merge_submission(source(name), submitted)
    executed, replies = run_notebook(merged, DATA)
    return points(score(source(name), executed, replies, stderr_harmless)), executed


@KERNEL
def test_solution_scores_full_and_student_version_scores_zero(run_notebook):
    assert run_scored(run_notebook, source())[0] == {k: (v, True) for k, v in
                                                      {"test_squares": 2.0, "test_column_mean": 3.0,
                                                       "test_clamp": 3.0}.items()}
    assert run_scored(run_notebook, released())[0] == {k: (0.0, False) for k in TESTS}


@KERNEL
def test_partial_credit_and_stderr_warning(run_notebook):
    nb = released()
    answer(nb, "squares", SQUARES)
    answer(nb, "column_mean", "import warnings\n" + MEAN.replace("return", "warnings.warn('old API', "
                                                                               "DeprecationWarning, stacklevel=1)\n"
                                                                               "    return"))
    answer(nb, "clamp", "def clamp(x, lo, hi):\n    return min(x, hi)")  # wrong below lo: 2 of 3 cases
    strict, executed = run_scored(run_notebook, nb)
    assert any(o.get("name") == "stderr" for o in executed.cells[7].outputs), "the warning reached stderr"
    assert strict == {"test_squares": (2.0, True), "test_column_mean": (0.0, False), "test_clamp": (2.0, True)}
    harmless, _ = run_scored(run_notebook, nb, stderr_harmless=True)
    assert harmless["test_column_mean"] == (3.0, True)


@KERNEL
def test_hiding_tracebacks_scores_nothing_extra(run_notebook):
    nb = released()
    answer(nb, "squares", "import sys, os\nip = get_ipython()\nip.showtraceback = lambda *a, **k: None\n"
                          "ip._showtraceback = lambda *a, **k: None\nsys.stderr = open(os.devnull, 'w')\n"
                          "def squares(n):\n    return []")
    answer(nb, "column_mean", MEAN)
    got, executed = run_scored(run_notebook, nb)
    assert not [o for o in executed.cells[4].outputs if o.output_type == "error"], "the traceback was hidden"
    assert got["test_squares"] == (0.0, False)
    assert got["test_column_mean"] == (3.0, True)


@KERNEL
def test_tests_cannot_be_changed_deleted_or_relabelled(run_notebook):
    nb = released()
    answer(nb, "column_mean", MEAN)
    squares_test = nb.cells[4]
    squares_test.source = "pass"
    squares_test.metadata.nbgrader.update(solution=True, locked=False, points=100)
    del nb.cells[7]  # the column_mean test
    fake = copy.deepcopy(nb.cells[9])  # test_clamp once more, after the real one, "passing" by itself
    fake.source, fake.id = "3.0", "fakecell"
    nb.cells.insert(10, fake)
    got, executed = run_scored(run_notebook, nb)
    assert got == {"test_squares": (0.0, False), "test_column_mean": (3.0, True), "test_clamp": (0.0, False)}
    restored = [c for c in executed.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_column_mean"]
    assert len(restored) == 1 and "BEGIN HIDDEN TESTS" in restored[0].source


@KERNEL
def test_manual_answers_left_as_released_score_zero(run_notebook):
    nb = released("problem2.ipynb")
    answer(nb, "explain", "Because there are no numbers to square.")
    got, _ = run_scored(run_notebook, nb, name="problem2.ipynb")
    assert got == {"explain": (None, None), "fizz": (0.0, None), "plot_task": (None, None)}


@KERNEL
def test_a_hook_displaying_full_marks_before_each_test_gains_nothing(run_notebook):
    nb = released()
    answer(nb, "clamp", "def clamp(x, lo, hi):\n    return min(x, hi)\n"
                        "get_ipython().events.register('pre_run_cell', lambda *a: get_ipython().displayhook(3.0))")
    got, executed = run_scored(run_notebook, nb)
    shown = [o["data"]["text/plain"] for o in executed.cells[10].outputs if o.output_type == "execute_result"]
    assert shown == ["3.0", "2.0"], "the hook's result came first"
    assert got["test_clamp"] == (2.0, True)


def test_a_source_saved_by_an_older_nbgrader_scores_the_same():
    """The store keeps sources as uploaded; schema 2 (no task flag) is upgraded when scoring."""
    old = source()
    for cell in old.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader.schema_version = 2
            cell.metadata.nbgrader.pop("task", None)
    executed = merge_submission(old, released())
    replies = {i: {"status": "ok"} for i in range(len(executed.cells))}
    assert points(score(old, executed, replies)) == points(score(source(), executed, replies))
    assert old.cells[4].metadata.nbgrader.schema_version == 2  # the caller's notebook is left alone
