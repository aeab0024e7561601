"""What a course's pages show: per notebook cell counts and its funnel, the
course's notebooks, and its learners' progress. Each function runs a fixed
number of queries whatever the number of learners (tests count them)."""

from __future__ import annotations

from collections import defaultdict
from statistics import median

from sqlalchemy import case, func, select, true
from sqlalchemy.engine import Connection

from ...webservice.db import utc
from .models import Execution, NotebookOrder
from .order import by_notebook, canonical
from .timing import time_spent

E, N = Execution.__table__, NotebookOrder.__table__
ERRORS = func.sum(case((E.c.status == "error", 1), else_=0))
# Cells outside the canonical order a notebook page shows (those most learners ran): each is a table row and
# a bar in three charts, and one learner could otherwise add thousands of invented cell ids.
MAX_EXTRAS = 100
# Rows of a learner's page: their most recently run notebooks (a learner could run thousands of files of
# their own, and the page is built on the service's one loop).
MAX_NOTEBOOKS_SHOWN = 500


def only(learners: list[str] | None, table=E):
    """The executions (or reported copies, table=N) of ``learners`` (None: everybody's), so a course's
    tutors and admins trying its notebooks neither count as learners who ran them nor shape its order
    (in a small course one tutor's copy with a solution cell would be half the copies)."""
    return true() if learners is None else table.c.user.in_(sorted(set(learners)))


def notebook_stats(connection: Connection, course: str, notebook: str, learners: list[str] | None = None) -> dict:
    reports = connection.execute(select(N.c.cells).where(N.c.course == course, N.c.notebook == notebook,
                                                         only(learners, N))).scalars()
    order = canonical(list(reports))
    rows = connection.execute(
        select(E.c.user, E.c.cell, E.c.time, E.c.status, E.c.duration_ms)
        .where(E.c.course == course, E.c.notebook == notebook, only(learners))
        .order_by(E.c.user, E.c.time, E.c.id)).all()
    cells: dict[str, dict] = {}
    runs: dict[str, list] = defaultdict(list)  # user -> [(time, duration_ms)]
    ran: dict[str, set] = defaultdict(set)  # user -> cells
    for user, cell, time, status, duration_ms in rows:
        runs[user].append((utc(time), duration_ms))
        if cell is None:
            continue  # no cell id (an old frontend): counts for time, not for cells
        ran[user].add(cell)
        stats = cells.setdefault(cell, {"executions": 0, "errors": 0, "users": set(), "first": utc(time)})
        stats["executions"] += 1
        stats["errors"] += status == "error"
        stats["users"].add(user)
        stats["first"] = min(stats["first"], utc(time))
    position = {cell: index for index, cell in enumerate(order, 1)}
    furthest = [max((position[c] for c in found if c in position), default=0) for found in ran.values()]
    extras = sorted((c for c in cells if c not in position),
                    key=lambda c: (-len(cells[c]["users"]), cells[c]["first"], c))
    extras = sorted(extras[:MAX_EXTRAS], key=lambda c: (cells[c]["first"], c))
    out = []
    for index, cell in enumerate(order + extras, 1):
        stats = cells.get(cell, {"executions": 0, "errors": 0, "users": set()})
        learners = len(stats["users"])
        out.append({"cell": cell, "position": index, "canonical": cell in position,
                    "executions": stats["executions"], "learners": learners,
                    # a learner's own added cell is outside the funnel: reached = ran it
                    "reached": sum(f >= index for f in furthest) if cell in position else learners,
                    "errors": stats["errors"],
                    "error_rate": stats["errors"] / stats["executions"] if stats["executions"] else 0.0})
    spent = [time_spent(found) for found in runs.values()]
    return {"cells": out, "learners": len(runs), "median_time_s": median(spent) if spent else None}


def course_notebooks(connection: Connection, course: str, learners: list[str] | None = None) -> list[dict]:
    orders = by_notebook(connection.execute(select(N.c.notebook, N.c.cells)
                                            .where(N.c.course == course, only(learners, N))))
    rows = connection.execute(
        select(E.c.notebook, func.count(), func.count(E.c.user.distinct()), ERRORS, func.max(E.c.time))
        .where(E.c.course == course, E.c.notebook.is_not(None), only(learners)).group_by(E.c.notebook)).all()
    found = {notebook: (learners, executions, errors or 0, utc(last))
             for notebook, executions, learners, errors, last in rows}
    out = []
    for notebook in sorted(set(orders) | set(found)):
        learners, executions, errors, last = found.get(notebook, (0, 0, 0, None))
        out.append({"notebook": notebook, "cells": len(orders.get(notebook, ())), "learners": learners,
                    "executions": executions, "errors": errors, "last": last})
    return out


def course_progress(connection: Connection, course: str, learners: list[str]) -> list[dict]:
    """A row per learner and notebook of the course, also where the learner ran nothing yet; but a notebook
    only one of the learners has (reported or run) is a row of that learner's only. Each learner may add up
    to records.MAX_NOTEBOOKS notebooks of their own to a course: as a row for every learner, one learner's
    invented notebooks made a 200-learner course's table 200 times longer. A notebook a second learner has
    is a row for everybody, as before."""
    wanted = sorted(set(learners))
    if not wanted:
        return []
    reports = connection.execute(select(N.c.user, N.c.notebook, N.c.cells)
                                 .where(N.c.course == course, only(learners, N))).all()
    orders = by_notebook((notebook, cells) for _, notebook, cells in reports)
    holders: dict[str, set] = defaultdict(set)
    for user, notebook, _ in reports:
        holders[notebook].add(user)
    rows = connection.execute(
        select(E.c.user, E.c.notebook, E.c.cell, func.max(E.c.time))
        .where(E.c.course == course, E.c.notebook.is_not(None), E.c.user.in_(wanted))
        .group_by(E.c.user, E.c.notebook, E.c.cell)).all()
    ran: dict[tuple[str, str], set] = defaultdict(set)
    last: dict[tuple[str, str], object] = {}
    for user, notebook, cell, time in rows:
        holders[notebook].add(user)  # the same notebooks as course_notebooks
        ran[user, notebook].add(cell)
        last[user, notebook] = max(last.get((user, notebook), utc(time)), utc(time))
    notebooks = sorted(holders)
    return [{"learner": user, "notebook": notebook,
             "cells_run": len(ran[user, notebook] & set(orders.get(notebook, ()))),
             "cells_total": len(orders.get(notebook, ())), "last": last.get((user, notebook))}
            for user in wanted for notebook in notebooks
            if len(holders[notebook]) > 1 or user in holders[notebook]]


def notebooks_of(connection: Connection, user: str) -> set[tuple[str, str]]:
    """(course, notebook) of every course notebook ``user`` has executions or a cell order of."""
    run = select(E.c.course, E.c.notebook).distinct().where(E.c.user == user, E.c.course.is_not(None))
    reported = select(N.c.course, N.c.notebook).where(N.c.user == user)
    return {tuple(row) for query in (run, reported) for row in connection.execute(query)}


def learner_activity(connection: Connection, user: str, courses: set[str] | None) -> dict:
    """courses=None: all the learner's notebooks; a set: only those courses' (never personal ones);
    at most MAX_NOTEBOOKS_SHOWN, the most recently run."""
    query = (select(E.c.path, E.c.course, E.c.notebook, func.count(), ERRORS, func.max(E.c.time))
             .where(E.c.user == user).group_by(E.c.path, E.c.course, E.c.notebook)
             .order_by(func.max(E.c.time).desc(), E.c.path.desc()).limit(MAX_NOTEBOOKS_SHOWN))
    if courses is not None:
        query = query.where(E.c.course.in_(sorted(courses)))
    notebooks = [{"path": path, "course": course, "notebook": notebook, "executions": executions,
                  "errors": errors or 0, "last": utc(last)}
                 for path, course, notebook, executions, errors, last in connection.execute(query)]
    notebooks.sort(key=lambda n: (n["last"], n["path"]), reverse=True)
    return {"last": max((n["last"] for n in notebooks), default=None), "notebooks": notebooks}
