"""Forgetting what is older than analytics.retention_days.

A learner's reported cell order stays while they still have newer
executions in that notebook (the extension reports an order once per file
change, so an old report can describe the notebook a learner works in today).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.engine import Connection

from .models import Activity, Execution, NotebookOrder, Poll, SpawnDelta, Sync
from .totals import keep_purged

E, N = Execution.__table__, NotebookOrder.__table__


def purge(connection: Connection, older_than: datetime) -> int:
    """Rows removed from every table, in one transaction."""
    keep_purged(connection, older_than)
    removed = 0
    for table, column in ((E, E.c.time), (Sync.__table__, Sync.time), (Poll.__table__, Poll.time),
                          (Activity.__table__, Activity.hour), (SpawnDelta.__table__, SpawnDelta.time)):
        removed += connection.execute(delete(table).where(column < older_than)).rowcount
    newer = exists(select(E.c.id).where(and_(E.c.user == N.c.user, E.c.course == N.c.course,
                                             E.c.notebook == N.c.notebook, E.c.time >= older_than)))
    removed += connection.execute(delete(N).where(N.c.time < older_than, ~newer)).rowcount
    return removed
