"""The retention plan: the one function both `plan` (to show) and `apply` (to carry out) call."""

from __future__ import annotations

import posixpath
from datetime import datetime

from .archive import archive_name
from .backend import Backend, explain
from .model import ARCHIVE, SKIP, Home, Person, Plan, PlanItem
from .policy import select


def make_plan(people: list[Person], config: dict, backend: Backend, now: datetime) -> Plan:
    # a backend may keep archives elsewhere than this machine's path (a Job's archive volume)
    archive_dir = getattr(backend, "archive_dir", None) or config["retention"]["archive_dir"]
    plan = Plan(now, archive_dir, backend.name)
    for person, rule, reason in select(people, config, now):
        try:
            home, unreadable = backend.home(person), None
        except (OSError, RecursionError) as e:
            # one home that cannot be read (a tree deeper than the walk goes, a mount root cannot
            # read) is that person's skipped line: else its owner could stop retention for everyone
            home, unreadable = Home(getattr(e, "filename", None) or "", True), explain(e)
        item = PlanItem(person, rule, reason, home, ARCHIVE)
        if archive_dir:
            item.archive = posixpath.join(archive_dir, archive_name(person.name, now))
        if unreadable:
            item.action, item.why = SKIP, f"its home cannot be measured: {unreadable}"
        elif not home.exists:
            item.action, item.why = SKIP, "no home to archive"
        else:
            busy = "their server is running" if person.running else backend.busy(person)
            if busy:
                item.action, item.why = SKIP, busy
        plan.items.append(item)
    return plan
