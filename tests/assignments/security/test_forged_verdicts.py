"""Learner code and the tests share one kernel (as in nbgrader), so code that
rewrites what the kernel runs can make a failing test's execute_reply say
"ok". Scoring from the reply status stops hidden tracebacks
(grading/test_attacks.py); it cannot stop this. Kept as a strict xfail so the
gap is on record and a fix shows up as an XPASS."""

from __future__ import annotations

import os

import pytest

from ..grading.notebooks import attack, points

pytestmark = [pytest.mark.stack, pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox is made by root")]


@pytest.mark.xfail(strict=True, reason="open: learner code in the kernel can rewrite the test cells it runs "
                                        "(IPython input transformers); nbgrader has the same gap")
def test_an_input_transformer_cannot_pass_a_failing_test(grader):
    code = "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"
    source, submission = attack(code, "assert False, 'wrong answer'")
    outcome = grader.grade({"nb.ipynb": source}, {"nb.ipynb": submission}, {})
    assert points(outcome)["achieved"] == 0.0


@pytest.mark.xfail(strict=True, reason="open: partial credit is the test cell's execute_result, which learner code "
                                        "can suppress (IPython's display trap), and no result means full points, "
                                        "as in nbgrader")
def test_a_suppressed_partial_result_does_not_earn_full_points(grader):
    code = "get_ipython().display_trap.hook = lambda *args, **kwargs: None"
    source, submission = attack(code, "0.25")
    outcome = grader.grade({"nb.ipynb": source}, {"nb.ipynb": submission}, {})
    assert points(outcome)["achieved"] == 0.25
