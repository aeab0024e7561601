"""Submissions are immutable numbered versions, durable with their job, on
SQLite and PostgreSQL; a double click stores one version."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest

from campushub.assignments.store import StoreError


def _nb(text: str) -> bytes:
    return json.dumps({"cells": [], "metadata": {"x": text}, "nbformat": 4, "nbformat_minor": 5}).encode()


def test_assignment_round_trip(store, ps1, ps1_source, ps1_release):
    assert ps1["notebooks"] == ["problem1.ipynb", "problem2.ipynb"]
    assert ps1["max_points"] == ps1_release.max_points > 0
    assert ps1["released_at"] is not None and ps1["released_at"].tzinfo is not None
    assert store.source_files(ps1["id"])["problem1.ipynb"] == ps1_source.notebooks["problem1.ipynb"]
    student = store.student_files(ps1["id"])
    assert student["problem1.ipynb"] == ps1_release.student["problem1.ipynb"]
    assert student["data/numbers.csv"] == ps1_source.files["data/numbers.csv"]
    assert [a["name"] for a in store.assignments("c1")] == ["ps1"] and store.assignments("c2") == []
    with pytest.raises(StoreError, match="already has"):
        store.create_assignment("c1", "ps1", title="", due=None, source=ps1_source, release=ps1_release,
                                by="t", released=False)
    with pytest.raises(StoreError, match="cannot name"):
        store.create_assignment("c1", "../x", title="", due=None, source=ps1_source, release=ps1_release,
                                by="t", released=False)


def test_versions_are_numbered_and_duplicates_kept_once(store, ps1):
    first = store.submit(ps1["id"], "ann", {"problem1.ipynb": _nb("a")}, late=False)
    again = store.submit(ps1["id"], "ann", {"problem1.ipynb": _nb("a")}, late=False)
    second = store.submit(ps1["id"], "ann", {"problem1.ipynb": _nb("b")}, late=True)
    other = store.submit(ps1["id"], "bob", {"problem1.ipynb": _nb("a")}, late=False)
    assert (first["number"], first["duplicate"]) == (1, False)
    assert (again["id"], again["duplicate"]) == (first["id"], True)
    assert (second["number"], second["late"], second["status"]) == (2, True, "submitted")
    assert other["number"] == 1
    assert [v["number"] for v in store.versions(ps1["id"], "ann")] == [1, 2]
    assert store.version_files(first["id"]) == {"problem1.ipynb": _nb("a")}
    assert store.queue_length() == 3  # the duplicate queued nothing
    digest = hashlib.sha256(b"problem1.ipynb\0" + hashlib.sha256(_nb("a")).hexdigest().encode() + b"\n")
    assert first["sha256"] == other["sha256"] == digest.hexdigest()


@pytest.mark.parametrize("identical", [False, True])
def test_concurrent_submissions_never_share_a_number(store, ps1, identical):
    barrier, results, errors = threading.Barrier(8), [], []

    def submit(i):
        barrier.wait()
        try:
            results.append(store.submit(ps1["id"], "ann", {"p.ipynb": _nb("same" if identical else str(i))},
                                        late=False))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = [v["number"] for v in store.versions(ps1["id"], "ann")]
    if identical:
        assert numbers == [1] and sum(not r["duplicate"] for r in results) == 1
    else:
        assert numbers == list(range(1, 9))
        assert sorted(r["number"] for r in results) == numbers


def test_jobs_are_claimed_once_and_requeued_after_a_crash(store, ps1):
    for i in range(6):
        store.submit(ps1["id"], f"l{i}", {"p.ipynb": _nb(str(i))}, late=False)
    claimed, lock = [], threading.Lock()

    def worker(n):
        while (job := store.claim_job(f"w{n}")) is not None:
            with lock:
                claimed.append(job["id"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 6
    assert store.versions(ps1["id"], "l0")[0]["status"] == "autograding"
    assert store.requeue_stale() == 6  # the process "died" with all six running
    assert store.versions(ps1["id"], "l0")[0]["status"] == "submitted"
    job = store.claim_job("again")
    assert job["attempts"] == 2
    store.release_job(job["id"])
    assert store.claim_job("again")["id"] == job["id"]


def test_claim_is_one_atomic_update(store, ps1):
    from sqlalchemy import event

    store.submit(ps1["id"], "ann", {"p.ipynb": _nb("x")}, late=False)
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(store._writer, "before_cursor_execute", record)
    try:
        assert store.claim_job("w") is not None
    finally:
        event.remove(store._writer, "before_cursor_execute", record)
    claim = next(s for s in seen if s.startswith("UPDATE jobs"))
    assert "RETURNING" in claim and "status = " in claim
    if store.dialect == "postgresql":
        assert "FOR UPDATE SKIP LOCKED" in claim  # workers of other processes skip it, never wait on it
    else:
        assert seen[0] == "BEGIN IMMEDIATE"  # SQLite: no other writer between BEGIN and COMMIT
