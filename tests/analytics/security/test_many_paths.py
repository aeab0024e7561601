"""Attack: a learner posts executions of thousands of distinct personal paths
(within the byte budget), then asks for their own learner page again and
again. The page had a row per path, built by synchronous store calls on the
service's one loop, so each request held up every other user's pages and
records. The page lists the MAX_NOTEBOOKS_SHOWN most recently run notebooks."""

from __future__ import annotations

from campushub.analytics.store.notebooks import MAX_NOTEBOOKS_SHOWN

from ..web.service import execution


def test_a_learners_own_page_stays_bounded(analytics):
    total = 2 * MAX_NOTEBOOKS_SHOWN
    for start in range(0, total, 1000):
        batch = [execution(course=None, notebook=None, path=f"junk/{i}.ipynb",
                           time=f"2026-11-{1 + i // 1000:02d}T10:{(i // 60) % 60:02d}:{i % 60:02d}Z")
                 for i in range(start, min(total, start + 1000))]
        assert analytics.post_records("ann", batch).status_code == 200
    activity = analytics.store.learner_activity("ann", None)
    assert len(activity["notebooks"]) == MAX_NOTEBOOKS_SHOWN
    newest = max(activity["notebooks"], key=lambda n: n["last"])
    assert activity["notebooks"][0] == newest and activity["last"] == newest["last"]
    assert newest["path"] == f"junk/{total - 1}.ipynb"
    r = analytics.session("ann").get(analytics.url + "learners/ann", params={"csv": "notebooks"}, timeout=30)
    assert r.status_code == 200 and r.text.count("\n") == MAX_NOTEBOOKS_SHOWN + 1
