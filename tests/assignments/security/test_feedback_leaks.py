"""Hidden tests must never reach a learner, even when the learner's own code
watches them run: IPython hands every cell's source to pre_run_cell hooks,
and a display handle made in an answer cell BEFORE the hidden tests can be
updated while they run. nbclient then rewrites that earlier output in the
executed notebook, whose outputs before the first hidden test feedback
shows."""

from __future__ import annotations

import os

import nbformat
import pytest

from campushub.assignments.format.feedback import feedback_html
from campushub.assignments.format.release import student_version

from ..grading.notebooks import answer, grade_test, notebook

pytestmark = [pytest.mark.stack, pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox is made by root")]
SECRET = "HIDDEN-ASSERT-7f3a"

SPY = """from IPython.display import display
_spy = display('waiting', display_id=True)
def _peek(info):
    _spy.update(info.raw_cell)
get_ipython().events.register('pre_run_cell', _peek)"""


def _source_and_submission():
    def cells(test):
        return [answer("spy", SPY), grade_test("t1", test)]
    src = notebook(*cells(f"assert True\n### BEGIN HIDDEN TESTS\nassert '{SECRET}'\n### END HIDDEN TESTS"))
    return src, notebook(*cells("assert True"))


def test_a_display_handle_does_not_carry_hidden_tests_into_feedback(grader):
    source, submission = _source_and_submission()
    outcome = grader.grade({"nb.ipynb": source}, {"nb.ipynb": submission}, {})
    assert outcome.error is None, outcome.error
    executed = nbformat.reads(outcome.executed["nb.ipynb"].decode(), as_version=4)
    spy = executed.cells[0]
    assert spy.outputs, "the spy cell's own display is kept"
    src_nb = nbformat.reads(source.decode(), as_version=4)
    html = feedback_html(executed, student_version(src_nb), outcome.scores["nb.ipynb"], {})
    assert SECRET not in html
    assert SECRET not in nbformat.writes(spy)  # nothing rewrote the earlier cell's output
