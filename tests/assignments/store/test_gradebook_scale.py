"""The gradebook and the export read a constant number of queries, whatever
the number of learners and assignments (500 x 10 here). Counted through
SQLAlchemy's cursor events, not timed."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from campushub.assignments.store import Store
from campushub.assignments.store.models import Assignment, Version
from campushub.assignments.store.rows import now

LEARNERS = [f"learner{i:03d}" for i in range(500)]


@contextmanager
def counting(engine):
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _build(store) -> list[int]:
    """10 assignments; every learner has 2 versions of each (10000 rows), written in bulk."""
    with Session(store._writer) as session, session.begin():
        ids = [session.scalars(insert(Assignment).returning(Assignment.id), [{
            "course": "big", "name": f"a{n}", "title": f"A{n}", "max_points": 10.0, "grade_cells": {},
            "created_at": now(), "created_by": "t"}]).one() for n in range(10)]
        rows = [{"assignment_id": aid, "learner": name, "number": number, "sha256": "0" * 64,
                 "submitted_at": now(), "late": number == 2, "status": "autograded", "auto": 5.0,
                 "total": 5.0, "pending_manual": number - 1}
                for aid in ids for name in LEARNERS for number in (1, 2)]
        session.execute(insert(Version), rows)
    return ids


def test_gradebook_and_export_queries_are_constant(store):
    ids = _build(store)
    with counting(store._reader) as small:
        store.gradebook(ids[0], LEARNERS[:5])
    with counting(store._reader) as big:
        book = store.gradebook(ids[0], LEARNERS)
    assert len(big) == len(small) <= 2, big
    assert len(book) == 500
    assert all(r["number"] == 2 and r["versions"] == 2 and r["late"] and r["needs_grading"] for r in book)

    with counting(store._reader) as small:
        store.export_rows("big", LEARNERS[:5])
    with counting(store._reader) as big:
        rows = store.export_rows("big", LEARNERS)
    assert len(big) == len(small) <= 2, big
    assert len(rows) == 5000 and {r["version"] for r in rows} == {2}


def test_the_latest_version_query_uses_the_index(tmp_path):
    # SQLite only: its plan is stable; PostgreSQL's planner may scan a table this small.
    store = Store(f"sqlite:///{tmp_path / 'a.sqlite'}")
    ids = _build(store)
    with store._reader.connect() as connection:
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT learner, max(number) FROM versions WHERE assignment_id = ? GROUP BY learner",
            (ids[0],)).all()
    # the unique (assignment_id, learner, number) constraint's index, not a table scan
    assert "USING COVERING INDEX sqlite_autoindex_versions_1 (assignment_id=?)" in str(plan), plan
    store.close()
