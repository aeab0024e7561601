"""Due dates as the pages show them: the instant in UTC (learners sit in
many time zones; the page never guesses one) and how far away it is."""

from __future__ import annotations

from datetime import UTC, datetime

from ...i18n import N_

NO_DUE = N_("no due date")
# One source per unit and number form; the Russian ones put the number after
# a colon, so no noun has to agree with it.
AHEAD = {("day", True): N_("due in {n} day"), ("day", False): N_("due in {n} days"),
         ("hour", True): N_("due in {n} hour"), ("hour", False): N_("due in {n} hours"),
         ("minute", True): N_("due in {n} minute"), ("minute", False): N_("due in {n} minutes")}
PAST = {("day", True): N_("{n} day past due"), ("day", False): N_("{n} days past due"),
        ("hour", True): N_("{n} hour past due"), ("hour", False): N_("{n} hours past due"),
        ("minute", True): N_("{n} minute past due"), ("minute", False): N_("{n} minutes past due")}


def utc_text(when: datetime | None) -> str:
    return "" if when is None else when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(when: datetime | None) -> str:
    return "" if when is None else when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def relative(due: datetime | None, translate, now: datetime | None = None) -> str:
    """"due in 3 days" / "2 hours past due", rounded down to the largest unit."""
    if due is None:
        return translate(NO_DUE)
    seconds = (due - (now or datetime.now(UTC))).total_seconds()
    table = AHEAD if seconds >= 0 else PAST
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size or unit == "minute":
            n = int(seconds // size)
            return translate(table[(unit, n == 1)], n=n)
    raise AssertionError("unreachable")
