"""The course pages' queries do not grow with the class: counted with a
SQLAlchemy event for 3 and for 40 learners (no timing)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from campushub.analytics.records import validate

from .data import COURSE, LESSON1, LESSON2, execution, report


@contextmanager
def counting(store):
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(store._reader, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(store._reader, "before_cursor_execute", count)


def queries(store, learners):
    out = {}
    for name, call in (("notebook_stats", lambda: store.notebook_stats(COURSE, LESSON1)),
                       ("course_notebooks", lambda: store.course_notebooks(COURSE)),
                       ("course_progress", lambda: store.course_progress(COURSE, learners)),
                       ("learner_activity", lambda: store.learner_activity(learners[0], {COURSE})),
                       ("platform", lambda: store.platform(7))):
        with counting(store) as statements:
            call()
        out[name] = len(statements)
    return out


@pytest.mark.parametrize("notebook", [LESSON1, LESSON2])
def test_constant_queries(store, notebook):
    def add(names):
        for name in names:
            store.ingest(name, validate([report(["a", "b", "c"], notebook=notebook)]
                                        + [execution(cell, n, notebook=notebook) for n, cell in enumerate("abc")]))

    few = [f"l{n}" for n in range(3)]
    add(few)
    small = queries(store, few)
    many = few + [f"l{n}" for n in range(3, 40)]
    add(many[3:])
    assert queries(store, many) == small
    assert max(small.values()) <= 4
    assert store.course_progress(COURSE, many)[-1]["cells_run"] == 3
