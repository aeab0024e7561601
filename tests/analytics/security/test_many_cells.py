"""Attack: a learner runs (or posts) executions of thousands of invented cell
ids in a course notebook. Cells outside the notebook's canonical order are
shown as the learners' own added cells, one table row and one bar in each of
three charts apiece, so one learner could make the tutors' notebook page
megabytes long. The page keeps the canonical cells and at most MAX_EXTRAS
added ones (those most learners ran)."""

from __future__ import annotations

from campushub.analytics.store.notebooks import MAX_EXTRAS

from ..web.service import execution, notebook_order


def test_invented_cells_do_not_swell_the_notebook_page(analytics):
    assert analytics.post_records("bob", [notebook_order(["a", "b"]), execution(cell="a"),
                                          execution(cell="mine")]).status_code == 200
    assert analytics.post_records("cat", [execution(cell="mine")]).status_code == 200
    junk = [execution(cell=f"junk{i}", time="2026-12-01T04:00:00.000Z") for i in range(1000)]
    assert analytics.post_records("ann", junk).status_code == 200
    stats = analytics.store.notebook_stats("c1", "lesson1.ipynb")
    cells = [c["cell"] for c in stats["cells"]]
    assert len(cells) == 2 + MAX_EXTRAS
    assert cells[:3] == ["a", "b", "mine"]  # the canonical cells, then the added cell two learners ran
    assert [c["position"] for c in stats["cells"]] == list(range(1, len(cells) + 1))
    assert stats["learners"] == 3
