"""The tutor pages' pure parts: grade form validation, the CSV (quoting and
formula injection), the per-cell diff and the sanitized notebook HTML."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from html.parser import HTMLParser

import nbformat
import pytest

from campushub.assignments.web import notebook_html as rendering
from campushub.assignments.web.csv_rows import COLUMNS, csv_text, defuse
from campushub.assignments.web.diff import diff_versions
from campushub.assignments.web.grade_input import InputError, parse_grades, parse_points, parse_reason
from campushub.assignments.web.notebook_html import notebook_html
from campushub.assignments.web.tutor_submission import next_to_grade


@pytest.mark.parametrize("text, expected", [("0", 0.0), ("2.5", 2.5), (" 3 ", 3.0), ("1,5", 1.5), ("", None)])
def test_points_accepted(text, expected):
    assert parse_points(text, 3, "q1") == expected


@pytest.mark.parametrize("text", ["3.01", "-1", "-0.5", "abc", "nan", "inf", "1e400", "1_0", "0x2"])
def test_points_refused_in_one_line(text):
    with pytest.raises(InputError) as e:
        parse_points(text, 3, "q1")
    assert str(e.value) == "q1: points must be a number from 0 to 3." and "\n" not in str(e.value)


def test_reason_required_and_kept_on_one_line():
    with pytest.raises(InputError, match="Give a reason"):
        parse_reason("  \n\t ")
    assert parse_reason("  Please\nshow   your work ") == "Please show your work"
    with pytest.raises(InputError, match="too long"):
        parse_reason("x" * 2001)


MANUAL = {("p2.ipynb", "essay"): 4.0, ("p2.ipynb", "task1"): 2.0}


def form(**fields):
    return {key: list(value) for key, value in fields.items()}


def test_grade_form_parsed_whole():
    parsed = parse_grades(form(notebook=["p2.ipynb", "p2.ipynb"], grade_id=["essay", "task1"],
                               points=["3.5", ""], comment=[" good ", ""]), MANUAL)
    assert parsed == [("p2.ipynb", "essay", 3.5, "good"), ("p2.ipynb", "task1", None, None)]


@pytest.mark.parametrize("fields, message", [
    (dict(notebook=["p2.ipynb"], grade_id=["nope"], points=["1"], comment=[""]), "nope is not a manually graded"),
    (dict(notebook=["p1.ipynb"], grade_id=["essay"], points=["1"], comment=[""]), "essay is not a manually graded"),
    (dict(notebook=["p2.ipynb", "p2.ipynb"], grade_id=["essay", "essay"], points=["1", "2"], comment=["", ""]),
     "essay is not a manually graded"),
    (dict(notebook=["p2.ipynb"], grade_id=["essay"], points=["1"], comment=[]), "incomplete"),
    (dict(), "incomplete"),
    (dict(notebook=["p2.ipynb", "p2.ipynb"], grade_id=["essay", "task1"], points=["1", "9"], comment=["", ""]),
     "task1: points must be a number from 0 to 2."),
])
def test_grade_form_refused(fields, message):
    with pytest.raises(InputError, match=message):
        parse_grades(form(**fields), MANUAL)


def test_csv_quotes_and_defuses_formulas():
    when = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
    rows = [
        {"learner": "=HYPERLINK(\"http://x\")", "assignment": "ps1", "version": 2, "submitted_at": when,
         "late": True, "auto": 3.0, "manual": 1.5, "total": 4.5, "max_points": 10.0, "status": "graded"},
        {"learner": "bob", "assignment": "a,b \"quoted\"\nline", "version": None, "submitted_at": None,
         "late": False, "auto": None, "manual": None, "total": None, "max_points": 5.0, "status": None},
        {"learner": "@SUM(1)", "assignment": "+1", "version": 1, "submitted_at": when, "late": False,
         "auto": 0.0, "manual": None, "total": 0.0, "max_points": 5.0, "status": "-x"},
    ]
    text = csv_text(rows)
    assert text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(parsed[0]) == COLUMNS
    assert parsed[1] == ["'=HYPERLINK(\"http://x\")", "ps1", "2", "2026-11-30T09:05:00+00:00", "true", "3", "1.5",
                         "4.5", "10", "graded"]
    assert parsed[2] == ["bob", "a,b \"quoted\"\nline", "", "", "", "", "", "", "5", ""]
    assert parsed[3][:2] == ["'@SUM(1)", "'+1"] and parsed[3][-1] == "'-x"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in parsed for cell in row)


def test_defuse_leaves_plain_text():
    assert defuse("alice") == "alice" and defuse("\tx") == "'\tx" and defuse("") == ""


def notebook(*cells) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nbformat.writes(nb).encode()


def code(source, grade_id=None):
    cell = nbformat.v4.new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "grade": True, "solution": True, "points": 1}
    return cell


def test_diff_aligns_cells_and_shows_line_changes():
    old = notebook(code("import math", None), code("def f(x):\n    return x", "f"), code("print(1)"))
    new = notebook(code("import math"), code("# a note"), code("def f(x):\n    return 2 * x", "f"))
    [nb] = diff_versions({"a.ipynb": old, "data.csv": b"1"}, {"a.ipynb": new})
    states = {(c.state, c.label) for c in nb.changes}
    assert states == {("added", "#2"), ("changed", "f"), ("removed", "#3")}
    changed = next(c for c in nb.changes if c.state == "changed")
    assert ("-", "    return x") in changed.lines and ("+", "    return 2 * x") in changed.lines
    assert nb.unchanged == 1


def test_diff_of_unreadable_notebook_is_empty_not_an_error():
    [nb] = diff_versions({"a.ipynb": b"{not json"}, {"a.ipynb": notebook(code("x = 1"))})
    assert [c.state for c in nb.changes] == ["added"]


class Scripts(HTMLParser):
    """Collects what a browser would treat as live script in a document."""

    def __init__(self):
        super().__init__()
        self.inline, self.handlers, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.handlers += [name for name, value in attrs
                          if name.startswith("on") or "javascript:" in (value or "").replace(" ", "").lower()]
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.inline.append(data)


def test_notebook_html_strips_learner_script():
    cell = code("display(HTML(...))")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": '<b>hi</b><script>window.top.stolen = document.cookie</script><img src=x onerror="steal()">'}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "steal2()", "text/plain": "js"})]
    md = nbformat.v4.new_markdown_cell('<script>steal3()</script><a href="javascript:steal4()">x</a> **ok**')
    html = notebook_html(notebook(cell, md))
    parser = Scripts()
    parser.feed(html)
    live = "".join(parser.inline)
    for marker in ("stolen", "steal()", "steal2", "steal3", "steal4"):
        assert marker not in live, marker  # text shown escaped is fine; never inside <script>
    assert not parser.handlers
    assert "<b>hi</b>" in html  # harmless markup is kept


def test_notebook_html_of_malformed_upload_is_none():
    assert notebook_html(b"\xff\xfe not a notebook") is None


def test_notebook_html_keeps_ordinary_markdown_readable():
    md = nbformat.v4.new_markdown_cell("# Problem 1\n\nWrite **squares** | a | b |\n\n| x | y |\n|---|---|\n| 1 | 2 |")
    html = notebook_html(notebook(md))
    assert "<h1" in html and "&lt;h1" not in html and "<strong>squares</strong>" in html and "<table>" in html


def test_next_to_grade_goes_on_in_gradebook_order_and_wraps():
    rows = [{"learner": n, "needs_grading": n in ("ann", "dan")} for n in ("ann", "bob", "cid", "dan")]
    assert next_to_grade(rows, "bob")["learner"] == "dan"
    assert next_to_grade(rows, "dan")["learner"] == "ann"
    assert next_to_grade(rows, "zed")["learner"] == "ann"  # no longer in the group: from the top
    assert next_to_grade(rows[:1], "ann") is None


def test_notebook_html_renders_a_version_once(monkeypatch):
    made = []
    real = rendering._exporter
    monkeypatch.setattr(rendering, "_cache", type(rendering._cache)())
    monkeypatch.setattr(rendering, "_exporter", lambda: made.append(1) or real())
    raw = notebook(code("x = 'cached once'"))
    assert notebook_html(raw) is notebook_html(raw) and len(made) == 1
    notebook_html(notebook(code("y = 2")))
    assert len(made) == 2
