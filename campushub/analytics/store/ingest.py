"""Storing a validated batch (analytics/records.py) in one transaction.

Idempotent: every record table is unique on (user, record_id) and rows go in
with the dialect's INSERT ... ON CONFLICT DO NOTHING, so a batch the
extension sends again after a crash (or two processes racing with the same
batch) is stored once, and the count of what was new comes from RETURNING.
A notebook's cell order is one row per (course, notebook, user): a report
replaces it unless the stored one is newer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .models import Execution, NotebookOrder, Sync

INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def insert_new(connection: Connection, table, rows: list[dict], keys: list[str]) -> int:
    """INSERT ``rows``, skipping those whose ``keys`` exist; how many went in."""
    if not rows:
        return 0
    insert = INSERTS[connection.dialect.name]
    statement = insert(table).on_conflict_do_nothing(index_elements=keys).returning(table.c[keys[0]])
    return len(connection.execute(statement, rows).all())


def ingest(connection: Connection, user: str, records: list[dict], received: datetime) -> tuple[int, int]:
    """(accepted, duplicates) of storing ``user``'s ``records``."""
    common = {"user": user, "received_at": received}
    executions = [{**common, "record_id": r["id"], "time": r["time"], "path": r["path"], "course": r["course"],
                   "notebook": r["notebook"], "cell": r["cell"], "status": r["status"],
                   "duration_ms": r["duration_ms"]} for r in records if r["kind"] == "execution"]
    syncs = [{**common, "record_id": r["id"], "time": r["time"], "course": r["course"], "status": r["status"]}
             for r in records if r["kind"] == "sync"]
    accepted = insert_new(connection, Execution.__table__, executions, ["user", "record_id"])
    accepted += insert_new(connection, Sync.__table__, syncs, ["user", "record_id"])
    accepted += _orders(connection, user, [r for r in records if r["kind"] == "notebook"], received)
    return accepted, len(records) - accepted


def _orders(connection: Connection, user: str, reports: list[dict], received: datetime) -> int:
    """Newest report per notebook wins; a report whose id is the stored one is a duplicate."""
    if not reports:
        return 0
    table = NotebookOrder.__table__
    keys = {(r["course"], r["notebook"]) for r in reports}
    stored = set(connection.execute(
        select(table.c.record_id).where(table.c.user == user,
                                        tuple_(table.c.course, table.c.notebook).in_(list(keys)))).scalars())
    fresh, newest = set(), {}
    for report in reports:
        if report["id"] in stored or report["id"] in fresh:
            continue
        fresh.add(report["id"])
        key = (report["course"], report["notebook"])
        if key not in newest or report["time"] >= newest[key]["time"]:
            newest[key] = report
    rows = [{"user": user, "course": r["course"], "notebook": r["notebook"], "cells": r["cells"],
             "record_id": r["id"], "time": r["time"], "received_at": received} for r in newest.values()]
    if rows:
        insert = INSERTS[connection.dialect.name](table)
        update = {name: insert.excluded[name] for name in ("cells", "record_id", "time", "received_at")}
        connection.execute(insert.on_conflict_do_update(
            index_elements=["course", "notebook", "user"], set_=update,
            where=table.c.time <= insert.excluded.time), rows)
    return len(fresh)
