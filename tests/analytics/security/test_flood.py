"""Attack: a learner's shell posts full 1 MiB batches of valid records with
the server's own token as fast as the service takes them, to fill the disk of
the analytics service (which may share it with the hub). Each user has a
budget of bytes (web/budget.py): past it the API answers 429 with a
Retry-After and one line, stores nothing, and other users are not slowed."""

from __future__ import annotations

from campushub.analytics.web.budget import CAPACITY

from ..web.service import execution


def full_batch() -> list[dict]:
    return [execution(course=None, notebook=None, path="p" * 700) for _ in range(1000)]  # just under 1 MiB


def test_a_flood_of_batches_is_slowed_down(analytics):
    codes = []
    for _ in range(CAPACITY // 2**20 + 4):
        r = analytics.post_records("ann", full_batch())
        codes.append(r.status_code)
        if r.status_code != 200:
            break
    assert codes[-1] == 429, codes
    assert int(r.headers["Retry-After"]) > 0 and "spool" in r.json()["message"]
    stored = sum(n["executions"] for n in analytics.store.learner_activity("ann", None)["notebooks"])
    assert stored == 1000 * (len(codes) - 1)  # the refused batch stored nothing
    assert stored <= CAPACITY // 700
    # another learner's server is not held up by ann's flood
    assert analytics.post_records("bob", [execution()]).status_code == 200
