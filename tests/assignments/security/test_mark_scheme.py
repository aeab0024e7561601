"""A task cell's mark scheme (### BEGIN MARK SCHEME) is for graders only:
nbgrader clears it from the student version. Autograding puts locked cells
back from the source (task cells are locked), so the executed notebook holds
the mark scheme, and feedback, built from that notebook, must not show it.
Markdown cells are not changed by execution, so the merged notebook is what
the grader stores for them; the feedback is format.feedback's real HTML."""

from __future__ import annotations

import nbformat

from campushub.assignments.format.feedback import feedback_html
from campushub.assignments.format.release import student_version
from campushub.assignments.format.scoring import merge_submission, score

SECRET = "GIVE-FULL-MARKS-ONLY-IF-9c1"


def _source():
    task = nbformat.v4.new_markdown_cell(
        f"Explain your method.\n### BEGIN MARK SCHEME\n{SECRET}\n### END MARK SCHEME")
    task.metadata.nbgrader = {"grade": False, "grade_id": "explain", "locked": True, "points": 2,
                              "schema_version": 3, "solution": False, "task": True}
    nb = nbformat.v4.new_notebook()
    nb.cells = [task]
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def test_feedback_does_not_show_the_mark_scheme():
    source = _source()
    student = student_version(source)
    assert SECRET not in nbformat.writes(student)  # nbgrader's ClearMarkScheme ran on the release
    executed = merge_submission(source, student)
    scores = score(source, executed, {})
    html = feedback_html(executed, student, scores, {"explain": (2.0, "Good.")})
    assert "Explain your method." in html
    assert SECRET not in html
