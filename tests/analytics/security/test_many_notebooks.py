"""Attack: a learner of a course posts (within the byte budget) tens of
thousands of notebook and execution records for invented notebooks of that
course. The course page lists every notebook, and its progress table has a
row per learner and notebook, so one learner could make the tutors' page
huge and hold up the service while it is built. Past a cap of notebooks per
learner and course, records of further notebooks do not count for the course:
executions stay the learner's own (personal), cell orders are ignored."""

from __future__ import annotations

from campushub.analytics.web.records import MAX_NOTEBOOKS

from ..web.service import execution, notebook_order, page_table


def test_one_learner_cannot_add_notebooks_without_end(analytics):
    posted = 0
    for start in range(0, 3 * MAX_NOTEBOOKS, 500):
        batch = [notebook_order(["a"], notebook=f"junk{i}.ipynb") for i in range(start, start + 250)]
        batch += [execution(notebook=f"junk{i}.ipynb") for i in range(start + 250, start + 500)]
        assert analytics.post_records("ann", batch).status_code == 200
        posted += 250
    assert len(analytics.store.course_notebooks("c1")) == MAX_NOTEBOOKS
    # the executions past the cap are still ann's, as personal ones
    mine = analytics.store.learner_activity("ann", None)["notebooks"]
    assert sum(n["executions"] for n in mine) == posted
    # another learner's real notebook still counts, and ann's known notebooks keep counting
    assert analytics.post_records("bob", [execution(notebook="lesson1.ipynb")]).status_code == 200
    assert analytics.post_records("ann", [execution(notebook="junk0.ipynb")]).json()["accepted"] == 1
    found = {n["notebook"]: n for n in analytics.store.course_notebooks("c1")}
    assert found["lesson1.ipynb"]["learners"] == 1 and found["junk0.ipynb"]["executions"] == 1


def test_one_learners_notebooks_do_not_multiply_the_progress_table(analytics):
    """Past the cap too, ann's own notebooks are rows of hers only, not of every learner: a course of 200
    learners showed 200 rows for each of them (fails without this: 3 x 200 rows on the page, 200 x 200 for
    200 learners); a notebook several learners have is a row of each learner's, as before."""
    for learner in ("ann", "bob"):
        assert analytics.post_records(learner, [execution(notebook="lesson1.ipynb")]).status_code == 200
    junk = MAX_NOTEBOOKS - 1  # with lesson1, as many as ann may add to the course
    batch = [notebook_order(["a"], notebook=f"junk{i}.ipynb") for i in range(junk)]
    assert analytics.post_records("ann", batch).status_code == 200
    r = analytics.session("tina").get(analytics.url + "courses/c1", timeout=60)
    assert r.status_code == 200
    rows = page_table(r.text, "progress")[1:]
    # ann, bob, cat each have a lesson1 row (cat has not started it); only ann has her own notebooks
    assert sorted((row[0], row[1]) for row in rows if row[1] == "lesson1.ipynb") == [
        ("ann", "lesson1.ipynb"), ("bob", "lesson1.ipynb"), ("cat", "lesson1.ipynb")]
    assert len(rows) == 3 + junk and {row[0] for row in rows if row[1].startswith("junk")} == {"ann"}
    assert "A notebook only one learner has is a row of that learner" in r.text
    many = ["ann", "bob"] + [f"learner{n:03}" for n in range(198)]
    assert len(analytics.store.course_progress("c1", many)) == len(many) + junk
