"""Ingest is idempotent (a batch sent again is counted as duplicates and
stored once), atomic (a batch that fails stores nothing) and safe when
batches arrive at once from several threads."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from campushub.analytics.records import MAX_RECORDS, validate

from .data import COURSE, LESSON1, T0, execution, report, sync


def test_a_batch_sent_again_is_stored_once(store):
    batch = validate([execution("a", 0), execution("b", 1, "error"), report(["a", "b"]), sync(COURSE, "ok")])
    assert store.ingest("ann", batch) == (4, 0)
    assert store.ingest("ann", batch) == (0, 4)
    assert store.counts() == {"executions": {"ok": 1, "error": 1, "aborted": 0}, "syncs": {(COURSE, "ok"): 1}}
    assert store.notebook_stats(COURSE, LESSON1)["cells"][0]["executions"] == 1


def test_same_id_twice_in_a_batch(store):
    record = execution("a", 0)
    assert store.ingest("ann", validate([record, record, execution("b", 1)])) == (2, 1)


def test_record_ids_are_per_user(store):
    """bob sending ann's record id does not make ann's a duplicate, nor the reverse."""
    record = execution("a", 0)
    assert store.ingest("ann", validate([record])) == (1, 0)
    assert store.ingest("bob", validate([record])) == (1, 0)
    assert store.notebook_stats(COURSE, LESSON1)["learners"] == 2


def test_newest_cell_order_wins(store):
    older, newer = report(["a", "b"], time=T0), report(["b", "a"], time=T0 + timedelta(hours=1))
    assert store.ingest("ann", validate([newer])) == (1, 0)
    assert store.ingest("ann", validate([older])) == (1, 0)  # new to us, but stale: changes nothing
    assert store.ingest("ann", validate([newer])) == (0, 1)
    store.ingest("ann", validate([execution("a", 0)]))
    assert [c["cell"] for c in store.notebook_stats(COURSE, LESSON1)["cells"]] == ["b", "a"]
    both = [report(["c"], time=T0 + timedelta(hours=3)), report(["d"], time=T0 + timedelta(hours=2))]
    assert store.ingest("ann", validate(both)) == (2, 0)
    assert [c["cell"] for c in store.notebook_stats(COURSE, LESSON1)["cells"]][0] == "c"


def test_a_failing_batch_stores_nothing(store):
    batch = validate([execution("a", 0), execution("b", 1), sync(COURSE, "ok")])
    batch[2]["status"] = None  # past validation (a bug, a full disk...): the database refuses the last row
    with pytest.raises(IntegrityError):
        store.ingest("ann", batch)
    assert store.counts() == {"executions": {"ok": 0, "error": 0, "aborted": 0}, "syncs": {}}
    assert store.ingest("ann", validate([execution("a", 0)])) == (1, 0)


def test_concurrent_batches(store):
    """Six threads at once: three send the same batch (a resend racing the
    original), each also sends its own; every record is stored exactly once."""
    shared = validate([execution(f"s{n}", n) for n in range(50)])
    own = [validate([execution(f"o{t}-{n}", n) for n in range(30)]) for t in range(6)]
    barrier, results, errors = threading.Barrier(6), [None] * 6, []

    def send(t):
        try:
            barrier.wait(30)
            results[t] = (store.ingest("ann", shared) if t < 3 else (0, 0), store.ingest("ann", own[t]))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert sum(r[0][0] for r in results[:3]) == 50 and sum(r[0][1] for r in results[:3]) == 100
    assert all(r[1] == (30, 0) for r in results)
    assert store.counts()["executions"]["ok"] == 50 + 6 * 30


def test_a_full_batch(store):
    """The largest batch the API takes goes in as one statement set, on both databases."""
    batch = validate([execution(f"c{n}", n / 60) for n in range(MAX_RECORDS)])
    assert store.ingest("ann", batch) == (MAX_RECORDS, 0)
    assert store.ingest("ann", batch) == (0, MAX_RECORDS)
    # one second between starts, plus the last run's own second
    assert store.notebook_stats(COURSE, LESSON1)["median_time_s"] == pytest.approx(MAX_RECORDS)
