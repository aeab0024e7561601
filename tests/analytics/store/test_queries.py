"""The numbers the pages show, on the hand-built class of data.py: exact
counts, the funnel over the canonical order, error rates, median time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campushub.analytics.records import validate

from .data import COURSE, LESSON1, LESSON2, T0, execution, load, report


@pytest.fixture
def loaded(store):
    load(store)
    return store


def test_notebook_stats(loaded):
    stats = loaded.notebook_stats(COURSE, LESSON1)
    rows = {row["cell"]: row for row in stats["cells"]}
    assert [(r["cell"], r["position"], r["canonical"]) for r in stats["cells"]] == [
        ("a", 1, True), ("b", 2, True), ("c", 3, True), ("d", 4, True), ("e", 5, True), ("y", 6, True),
        ("x", 7, False)]
    assert {c: r["executions"] for c, r in rows.items()} == {"a": 4, "b": 3, "c": 3, "d": 2, "e": 1, "y": 1, "x": 2}
    assert {c: r["learners"] for c, r in rows.items()} == {"a": 3, "b": 3, "c": 2, "d": 2, "e": 1, "y": 1, "x": 1}
    # furthest canonical cell: ann y(6), dee d(4), bob c(3), cid b(2), eve none
    assert {c: r["reached"] for c, r in rows.items()} == {"a": 4, "b": 4, "c": 3, "d": 2, "e": 1, "y": 1, "x": 1}
    assert {c: r["errors"] for c, r in rows.items()} == {"a": 0, "b": 0, "c": 1, "d": 1, "e": 0, "y": 0, "x": 1}
    assert rows["c"]["error_rate"] == pytest.approx(1 / 3)
    assert rows["d"]["error_rate"] == rows["x"]["error_rate"] == 0.5
    assert rows["a"]["error_rate"] == 0.0
    assert stats["learners"] == 5
    # time spent: ann 363, bob 241 (the 2 h gap is a break), cid 2400.2 (30 min exactly is not), dee 0.1, eve 5
    assert stats["median_time_s"] == pytest.approx(241)


def test_unknown_notebook_is_empty(loaded):
    assert loaded.notebook_stats(COURSE, "nope.ipynb") == {"cells": [], "learners": 0, "median_time_s": None}


def test_course_notebooks(loaded):
    assert loaded.course_notebooks(COURSE) == [
        {"notebook": LESSON1, "cells": 6, "learners": 5, "executions": 17, "errors": 3,
         "last": T0 + timedelta(minutes=124)},
        {"notebook": LESSON2, "cells": 3, "learners": 1, "executions": 2, "errors": 0,
         "last": T0 + timedelta(minutes=1)}]
    assert loaded.course_notebooks("ds200")[0]["executions"] == 1
    assert loaded.course_notebooks("other") == []


def test_course_progress(loaded):
    # the course's learners: the order comes from their copies (as on the notebook page)
    rows = loaded.course_progress(COURSE, ["bob", "ann", "zed", "cid", "dee"])
    assert [(r["learner"], r["notebook"], r["cells_run"], r["cells_total"], r["last"]) for r in rows
            if r["learner"] in ("ann", "bob", "zed")] == [
        ("ann", LESSON1, 6, 6, T0 + timedelta(minutes=6)),
        ("ann", LESSON2, 2, 3, T0 + timedelta(minutes=1)),
        ("bob", LESSON1, 3, 6, T0 + timedelta(minutes=124)),  # x is bob's own cell: not counted
        ("zed", LESSON1, 0, 6, None)]  # lesson2 is only ann's so far: her row only
    assert loaded.course_progress(COURSE, []) == []
    # a notebook one learner ran (and nobody reported) is their row only; a second learner's makes it everybody's
    loaded.ingest("fay", validate([execution("z", 0, notebook="lesson3.ipynb")]))
    assert [(r["learner"], r["notebook"], r["cells_run"], r["cells_total"])
            for r in loaded.course_progress(COURSE, ["zed", "fay"])] == [("fay", "lesson3.ipynb", 0, 0)]
    assert [(r["learner"], r["notebook"]) for r in loaded.course_progress(COURSE, ["zed", "fay", "ann"])] == [
        ("ann", LESSON1), ("ann", LESSON2), ("fay", "lesson3.ipynb")]  # of these three only ann has lesson1
    loaded.ingest("zed", validate([report(["z"], notebook="lesson3.ipynb")]))
    assert [(r["learner"], r["notebook"], r["cells_total"]) for r in loaded.course_progress(COURSE, ["zed", "fay"])] \
        == [("fay", "lesson3.ipynb", 1), ("zed", "lesson3.ipynb", 1)]
    assert loaded.course_progress(COURSE, ["zed"]) == [
        {"learner": "zed", "notebook": "lesson3.ipynb", "cells_run": 0, "cells_total": 1, "last": None}]
    # none of a non-learner's
    assert loaded.course_progress(COURSE, ["nobody"]) == []


def test_learner_activity_everything(loaded):
    activity = loaded.learner_activity("ann", None)
    assert activity["last"] == T0 + timedelta(minutes=8)
    assert [(n["path"], n["course"], n["notebook"], n["executions"], n["errors"]) for n in activity["notebooks"]] == [
        ("ds200/intro.ipynb", "ds200", "intro.ipynb", 1, 0),
        ("scratch.ipynb", None, None, 1, 0),
        (f"{COURSE}/{LESSON1}", COURSE, LESSON1, 7, 1),
        (f"{COURSE}/{LESSON2}", COURSE, LESSON2, 2, 0)]


def test_learner_activity_only_given_courses(loaded):
    """A tutor of ml101 sees ann's ml101 notebooks: not ds200, not her own scratch notebook."""
    activity = loaded.learner_activity("ann", {COURSE})
    assert {n["notebook"] for n in activity["notebooks"]} == {LESSON1, LESSON2}
    assert activity["last"] == T0 + timedelta(minutes=6)
    assert [n["path"] for n in loaded.learner_activity("ann", {"ds200"})["notebooks"]] == ["ds200/intro.ipynb"]
    assert loaded.learner_activity("ann", set()) == {"last": None, "notebooks": []}
    assert loaded.learner_activity("nobody", None) == {"last": None, "notebooks": []}


def test_counts(loaded):
    assert loaded.counts() == {"executions": {"ok": 17, "error": 3, "aborted": 1},
                               "syncs": {(COURSE, "ok"): 1, (COURSE, "failed"): 1}}


def test_only_the_given_learners_count(loaded):
    """The pages pass the course's learners group: a tutor trying the notebook is not a learner who ran it."""
    stats, notebooks = loaded.notebook_stats(COURSE, LESSON1), loaded.course_notebooks(COURSE)
    loaded.ingest("tutor", validate([execution("a", 0, "error")]))
    learners = ["ann", "bob", "cid", "dee", "eve"]
    assert loaded.notebook_stats(COURSE, LESSON1, learners) == stats
    assert loaded.course_notebooks(COURSE, learners) == notebooks
    # without the list the tutor's run counts, as before
    assert loaded.notebook_stats(COURSE, LESSON1)["learners"] == stats["learners"] + 1
    assert loaded.course_notebooks(COURSE) != notebooks
    ann = loaded.notebook_stats(COURSE, LESSON1, ["ann"])
    assert ann["learners"] == 1 and {r["cell"]: r["reached"] for r in ann["cells"]}["y"] == 1
    assert loaded.notebook_stats(COURSE, LESSON1, [])["learners"] == 0


def test_a_tutors_copy_shapes_nothing_the_learners_see(store):
    """With the course's learners given, a tutor's reported copy (a solution cell, a demo notebook) is
    not one of the copies the notebook's order comes from, as their runs are not counted either."""
    store.ingest("ann", validate([report(["a", "b"]), execution("a", 0), execution("b", 1)]))
    store.ingest("tina", validate([report(["a", "solution", "b"]), execution("solution", 0),
                                   report(["d1"], notebook="demo.ipynb"), execution("d1", 0, notebook="demo.ipynb")]))
    learners = ["ann"]
    assert [c["cell"] for c in store.notebook_stats(COURSE, LESSON1, learners)["cells"]] == ["a", "b"]
    assert [(n["notebook"], n["cells"]) for n in store.course_notebooks(COURSE, learners)] == [(LESSON1, 2)]
    assert [(r["notebook"], r["cells_total"], r["cells_run"]) for r in store.course_progress(COURSE, learners)] \
        == [(LESSON1, 2, 2)]
    # without the list everybody's copies count, as before
    assert [c["cell"] for c in store.notebook_stats(COURSE, LESSON1)["cells"]] == ["a", "solution", "b"]
