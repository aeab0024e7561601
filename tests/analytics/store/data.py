"""Records as the extension sends them (strings, through records.validate),
and the hand-built class whose every count tests/analytics/store checks.

Course ml101, notebook lesson1.ipynb: the file's cells are a b c d e y.
Four learners reported their copies: bob added a cell x, cid moved c above
b, dee deleted e and y. y is in exactly half the copies (kept), x in one of
four (outside the canonical order). Executions, minutes after T0:
  ann  a0 b1 c2(error) c3 d4 e5 y6               furthest y, time 6 min + 3 s
  bob  a0 b2 x3(error) x4, 2 h break, c124       furthest c, time 4 min + 1 s
  cid  a0 a10 b40(aborted)                       furthest b, time 40 min + 0.2 s
  dee  d0(error)                                 furthest d, time 0.1 s
  eve  one execution without a cell id           reaches nothing, time 5 s
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from campushub.analytics.records import validate

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
COURSE, LESSON1, LESSON2 = "ml101", "lesson1.ipynb", "lesson2.ipynb"
ORDER = ["a", "b", "c", "d", "e", "y"]


def stamp(time: datetime) -> str:
    return time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def execution(cell, minutes, status="ok", duration_ms=1000, course=COURSE, notebook=LESSON1, start=T0):
    path = f"{course}/{notebook}" if course else notebook
    return {"id": uuid.uuid4().hex, "kind": "execution", "time": stamp(start + timedelta(minutes=minutes)),
            "path": path, "course": course, "notebook": notebook if course else None, "cell": cell,
            "status": status, "duration_ms": duration_ms}


def report(cells, course=COURSE, notebook=LESSON1, time=T0):
    return {"id": uuid.uuid4().hex, "kind": "notebook", "time": stamp(time), "course": course,
            "notebook": notebook, "cells": cells}


def sync(course, status, time=T0):
    return {"id": uuid.uuid4().hex, "kind": "sync", "time": stamp(time), "course": course, "status": status}


CLASS = {
    "ann": [report(ORDER), report(["p", "q", "r"], notebook=LESSON2),
            execution("a", 0), execution("b", 1, duration_ms=2000), execution("c", 2, "error", 500),
            execution("c", 3, duration_ms=500), execution("d", 4), execution("e", 5),
            execution("y", 6, duration_ms=3000),
            execution("p", 0, notebook=LESSON2), execution("q", 1, notebook=LESSON2),
            execution("s1", 7, course=None, notebook="scratch.ipynb"),
            execution("i1", 8, course="ds200", notebook="intro.ipynb"), sync("ml101", "ok")],
    "bob": [report(["a", "b", "x", "c", "d", "e", "y"]),
            execution("a", 0), execution("b", 2), execution("x", 3, "error"), execution("x", 4),
            execution("c", 124), sync("ml101", "failed")],
    "cid": [report(["a", "c", "b", "d", "e"]),
            execution("a", 0, duration_ms=4000), execution("a", 10, duration_ms=4000),
            execution("b", 40, "aborted", 200)],
    "dee": [report(["a", "b", "c", "d"]), execution("d", 0, "error", 100)],
    "eve": [execution(None, 0, duration_ms=5000)],
}


def load(store, people=CLASS) -> None:
    for user, records in people.items():
        assert store.ingest(user, validate(records)) == (len(records), 0)
