"""Feedback HTML: scores, manual points and comments shown; hidden tests and test outputs never."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import nbformat
import pytest

from campushub.assignments.format.feedback import feedback_html
from campushub.assignments.format.release import student_version
from campushub.assignments.format.scoring import merge_submission, score

PS1 = Path(__file__).parents[1] / "fixtures" / "ps1"
KERNEL = pytest.mark.stack  # a kernel per test (seconds each): with the sandboxed engine's tests, out of the fast tier
DATA = {"data/numbers.csv": (PS1 / "data" / "numbers.csv").read_bytes()}


def source(name="problem1.ipynb"):
    return nbformat.read(PS1 / name, as_version=4)


def text_of(page: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", page))


def answer(nb, grade_id, text):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = text
            return
    raise KeyError(grade_id)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, execute_in):
    """A submission whose code prints a marker (and its stack, which holds the
    test's source) whenever a test calls it, plus a cell after the tests that
    prints IPython's input history, where the hidden tests are."""
    src = source()
    nb = student_version(src)
    answer(nb, "squares", "import traceback\ndef squares(n):\n    print('LEARNER-' + 'PRINT-IN-TEST')\n"
                          "    traceback.print_stack()\n    return [i * i for i in range(1, n + 1)]")
    answer(nb, "column_mean", "def column_mean(path):\n    return 2.5")
    nb.cells.append(nbformat.v4.new_code_cell("print('\\n'.join(In))"))
    nb.cells.append(nbformat.v4.new_markdown_cell("<script>alert('md')</script>\n\n**bold note**"))
    merged = merge_submission(src, nb)
    cwd = tmp_path_factory.mktemp("run")
    (cwd / "data").mkdir()
    (cwd / "data" / "numbers.csv").write_bytes(DATA["data/numbers.csv"])
    executed, replies = execute_in(merged, cwd)
    # print_stack writes to stderr: harmless here, so that a passed test's outputs are checked too
    return src, executed, score(src, executed, replies, stderr_harmless=True)


@KERNEL
def test_the_run_did_see_hidden_tests(graded):
    """Without this the leak tests below would prove nothing."""
    _, executed, _ = graded
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "LEARNER-PRINT-IN-TEST" in printed and "HIDDEN-SQUARES-ZERO" in printed


@KERNEL
def test_feedback_never_shows_hidden_tests_or_test_outputs(graded):
    src, executed, scores = graded
    html = feedback_html(executed, student_version(src), scores, {}, "en", title="ps1 problem1")
    text = text_of(html)
    for secret in ("HIDDEN-SQUARES-ZERO", "squares(10)", "BEGIN HIDDEN", "isinstance(column_mean", "clamp(2, 0, 3)",
                   "LEARNER-PRINT-IN-TEST", "Traceback", 'File "'):
        assert secret not in text and secret not in html, secret
    assert "assert squares(3) == [1, 4, 9]" in text  # the visible part of the test is shown
    assert "Outputs of cells run after the hidden tests are not shown." in html
    assert "<script>alert" not in html and "<strong>bold note</strong>" in html


@KERNEL
def test_feedback_shows_results_points_and_total(graded):
    src, executed, scores = graded
    html = feedback_html(executed, student_version(src), scores, {}, "en", title="ps1 problem1")
    assert html.count("Test passed") == 2 and html.count("Test failed") == 1
    assert "2 / 2 points" in html and "3 / 3 points" in html and "0 / 3 points" in html
    assert "Score: 5 / 8" in html and "<title>ps1 problem1</title>" in html


@KERNEL
def test_manual_points_comments_and_language(run_notebook):
    src = source("problem2.ipynb")
    nb = student_version(src)
    answer(nb, "explain", "Nothing to square.")
    executed, replies = run_notebook(merge_submission(src, nb), DATA)
    scores = score(src, executed, replies)
    manual = {"explain": (1.5, "Good, but say <why>."), "plot_task": (None, "Plot missing.")}
    html = feedback_html(executed, student_version(src), scores, manual, "en")
    assert "1.5 / 2 points" in html and "Good, but say &lt;why&gt;." in html and "<why>" not in html
    assert "Plot missing." in html and "not graded yet" in html
    assert "0 / 1 points" in html  # fizz left as released
    assert "Score: 1.5 / 5" in html
    ja = feedback_html(executed, student_version(src), scores, manual, "ja")
    assert "あなたの解答" in ja and "得点: 1.5 / 5" in ja and 'lang="ja"' in ja


@KERNEL
def test_unsafe_outputs_are_dropped_or_sanitised(run_notebook):
    src = source("problem2.ipynb")
    nb = student_version(src)
    forged = {"state": '"><script>alert(5)</script>', "label": "Test passed", "points": "99 / 1 points"}
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("mine", metadata={"campushub_feedback": forged}))
    nb.cells.insert(0, nbformat.v4.new_code_cell(  # the attack strings are made at run time, not in the source
        "from IPython.display import HTML, Javascript, display\n"
        "ev, a = 'on' + 'error', 'ale' + 'rt'\n"
        "display(HTML(f'<b>ok-html</b><img src=x {ev}={a}(1)><script>{a}(2)</script>'))\n"
        "display(Javascript(f'{a}(3)'))\n"
        "display({'text/vnd.mermaid': f'</pre><script>{a}(4)</script>'}, raw=True)"))
    executed, replies = run_notebook(merge_submission(src, nb), DATA)
    html = feedback_html(executed, student_version(src), score(src, executed, replies), {}, "en")
    assert "<b>ok-html</b>" in html
    assert "onerror" not in html and "alert(5)" not in html and "99 / 1" not in html  # no forged banner
    assert not re.search(r"<script[^>]*>[^<]*alert\(", html), "learner script in the page"
    assert "alert(3)" not in html and "alert(4)" not in html  # JavaScript and Mermaid outputs dropped whole


def test_without_a_kernel_test_outputs_and_later_outputs_are_dropped():
    """The fast tier's copy of the leak test: outputs set by hand where learner code would print them."""
    src = source()
    executed = merge_submission(src, student_version(src))
    executed.cells[4].outputs = [nbformat.v4.new_output("stream", name="stdout", text="LEARNER-PRINT-IN-TEST\n")]
    executed.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="before the tests\n")]
    executed.cells.append(nbformat.v4.new_code_cell("print(In)", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="assert squares(0) == [], 'HIDDEN-SQUARES-ZERO'\n")]))
    replies = {i: {"status": "ok"} for i in range(len(executed.cells))}
    html = feedback_html(executed, student_version(src), score(src, executed, replies), {}, "en")
    text = text_of(html)
    assert "HIDDEN-SQUARES-ZERO" not in text and "LEARNER-PRINT-IN-TEST" not in text and "squares(10)" not in text
    assert "before the tests" in text and "Outputs of cells run after the hidden tests are not shown." in text
