"""purge() forgets records and poll data older than the cut-off, keeps a
learner's cell order while they still run that notebook, and the totals
/metrics serves stay (a counter must not fall)."""

from __future__ import annotations

from datetime import timedelta

from campushub.analytics.records import validate

from .data import COURSE, LESSON1, LESSON2, T0, execution, report, sync

CUT = T0 + timedelta(days=30)


def test_purge(store):
    later = T0 + timedelta(days=40)
    store.ingest("ann", validate([report(["a", "b"]), execution("a", 0), sync(COURSE, "ok"),
                                  execution("b", 0, start=later),
                                  report(["p"], notebook=LESSON2), execution("p", 0, notebook=LESSON2)]))
    store.ingest("bob", validate([report(["a", "b"], time=later), execution("a", 0, start=later)]))
    store.record_poll(T0, ["ann"], 1, 0, {"1": 1.0, "+Inf": 1.0})
    store.record_poll(later, ["bob"], 2, 0, {"1": 2.0, "+Inf": 2.0})
    # old: 2 executions, 1 sync, ann's lesson2 order, 1 poll, 1 activity hour, 2 spawn buckets
    totals = store.counts()
    assert totals == {"executions": {"ok": 4, "error": 0, "aborted": 0}, "syncs": {(COURSE, "ok"): 1}}
    assert store.purge(CUT) == 8
    assert store.counts() == totals  # /metrics counters do not fall when old records go
    stats = store.notebook_stats(COURSE, LESSON1)
    # ann's order is older than the cut but she ran lesson1 since: it still counts
    assert [(c["cell"], c["executions"], c["canonical"]) for c in stats["cells"]] == [("a", 1, True),
                                                                                     ("b", 1, True)]
    assert store.course_notebooks(COURSE) == [
        {"notebook": LESSON1, "cells": 2, "learners": 2, "executions": 2, "errors": 0, "last": later}]
    series = store.platform(50, now=later)
    assert [s[1] for s in series["servers"]] == [2]
    assert sum(n for _, n in series["daily_active"]) == 1
    assert sum(count for _, count, *_ in series["spawns"]) == 1
    assert store.purge(CUT) == 0
    store.ingest("bob", validate([execution("z", 0, "error", start=later)]))
    assert store.counts()["executions"] == {"ok": 4, "error": 1, "aborted": 0}
    # everything: 3 executions, 2 orders, 1 poll, 1 activity hour, 2 spawn buckets; the totals stay
    assert store.purge(later + timedelta(days=1)) == 9
    assert store.counts() == {"executions": {"ok": 4, "error": 1, "aborted": 0}, "syncs": {(COURSE, "ok"): 1}}
    assert store.course_notebooks(COURSE) == []
