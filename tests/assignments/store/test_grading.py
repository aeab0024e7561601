"""A version's life: autograded, graded by hand, resubmission, feedback."""

from __future__ import annotations

import pytest

from campushub.assignments.store import StoreError


def _cells(ps1):
    return [(nb, c) for nb, cells in ps1["grade_cells"].items() for c in cells]


def test_a_version_through_grading(store, ps1):
    version = store.submit(ps1["id"], "ann", {"problem1.ipynb": b"{}"}, late=False)
    job = store.claim_job("w")
    tests = [(nb, c) for nb, c in _cells(ps1) if c["kind"] == "tests"]
    manual = [(nb, c) for nb, c in _cells(ps1) if c["kind"] in ("manual", "task")]
    assert tests and manual
    scores = [{"notebook": nb, "grade_id": c["grade_id"], "kind": "tests", "max_points": c["points"],
               "auto_points": c["points"], "passed": True} for nb, c in tests]
    store.finish_job(job["id"], scores=scores, executed={"problem1.ipynb": b'{"executed": 1}'}, error=None)
    done = store.version(version["id"])
    assert done["status"] == "autograded" and done["auto"] == sum(c["points"] for _nb, c in tests)
    assert done["pending_manual"] == len(manual)
    assert store.executed_files(version["id"]) == {"problem1.ipynb": b'{"executed": 1}'}
    row = store.gradebook(ps1["id"], ["ann", "zed"])
    assert row[0]["needs_grading"] and row[1]["version_id"] is None and row[1]["versions"] == 0

    nb, cell = manual[0]
    with pytest.raises(StoreError, match="from 0 to"):
        store.set_manual(version["id"], cell["grade_id"], cell["points"] + 1, None, "tutor", notebook=nb)
    with pytest.raises(StoreError, match="no grade cell"):
        store.set_manual(version["id"], "nope", 0, None, "tutor")
    for nb, cell in manual:
        store.set_manual(version["id"], cell["grade_id"], cell["points"], "good", "tutor", notebook=nb)
    graded = store.version(version["id"])
    assert graded["status"] == "graded" and graded["total"] == ps1["max_points"]
    grades = store.cell_grades(version["id"])
    assert [g["comment"] for g in grades if g["kind"] in ("manual", "task")] == ["good"] * len(manual)

    with pytest.raises(StoreError, match="Say why"):
        store.request_resubmission(version["id"], "  ", "tutor")
    asked = store.request_resubmission(version["id"], "Explain\nstep 2", "tutor")
    assert (asked["status"], asked["reason"]) == ("resubmission_requested", "Explain step 2")
    assert store.gradebook(ps1["id"], ["ann"])[0]["resubmission_requested"]
    assert store.feedback(version["id"]) is None
    returned = store.release_feedback(version["id"], "<p>ok</p>", "tutor")
    assert returned["status"] == "feedback_returned" and returned["feedback"]
    assert store.feedback(version["id"]) == "<p>ok</p>"
    export = store.export_rows("c1", ["ann", "zed"])
    assert [(r["learner"], r["assignment"], r["version"]) for r in export] == [("ann", "ps1", 1), ("zed", "ps1", None)]


def test_a_failed_autograde_keeps_the_version(store, ps1):
    version = store.submit(ps1["id"], "ann", {"problem1.ipynb": b"{}"}, late=False)
    job = store.claim_job("w")
    store.finish_job(job["id"], scores=[], executed={}, error="kernel died\nat line 3")
    after = store.version(version["id"])
    assert (after["status"], after["error"], after["auto"]) == ("autograded", "kernel died at line 3", None)
    store.finish_job(job["id"], scores=[], executed={}, error=None)  # twice: ignored
    assert store.version(version["id"])["error"] == "kernel died at line 3"
