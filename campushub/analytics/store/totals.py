"""Totals of the records ever accepted, for /metrics: what the tables hold
plus what retention removed (kept in `purged`), so a Prometheus counter
built on them never falls when old records go, which Prometheus would read
as a restart and count everything again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from .ingest import INSERTS
from .models import Execution, Purged, Sync

E, S, P = Execution.__table__, Sync.__table__, Purged.__table__
STATUSES = ("ok", "error", "aborted")


def _tally(connection: Connection, before: datetime | None = None) -> list[tuple[str, str, str, int]]:
    """(kind, course, status, n) of the records, all or those older than ``before``."""
    executions = select(E.c.status, func.count()).group_by(E.c.status)
    syncs = select(S.c.course, S.c.status, func.count()).group_by(S.c.course, S.c.status)
    if before is not None:
        executions, syncs = executions.where(E.c.time < before), syncs.where(S.c.time < before)
    return ([("execution", "", status, n) for status, n in connection.execute(executions)]
            + [("sync", course, status, n) for course, status, n in connection.execute(syncs)])


def keep_purged(connection: Connection, before: datetime) -> None:
    """Add the records about to be purged to the `purged` totals (same transaction)."""
    rows = [{"kind": kind, "course": course, "status": status, "count": n}
            for kind, course, status, n in _tally(connection, before)]
    if rows:
        insert = INSERTS[connection.dialect.name](P)
        connection.execute(insert.on_conflict_do_update(
            index_elements=["kind", "course", "status"], set_={"count": P.c.count + insert.excluded.count}), rows)


def counts(connection: Connection) -> dict:
    found = _tally(connection) + [tuple(row) for row in connection.execute(
        select(P.c.kind, P.c.course, P.c.status, P.c.count))]
    executions = dict.fromkeys(STATUSES, 0)
    syncs: dict[tuple[str, str], int] = {}
    for kind, course, status, n in found:
        if kind == "execution":
            executions[status] = executions.get(status, 0) + n
        else:
            syncs[course, status] = syncs.get((course, status), 0) + n
    return {"executions": executions, "syncs": syncs}
