"""Which people a site's retention rules select, and why: a pure function.

Rules are alternatives (the first that matches is named); the conditions
inside one rule must all hold. Admins and members of an excepted group are
never selected: an operator's mistake in a rule must not take the homes of
the people who run the site.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from .model import Person


class Selection(NamedTuple):
    person: Person
    rule: int
    reason: str


def select(people: list[Person], config: dict, now: datetime) -> list[Selection]:
    section = config["retention"]
    always_kept = set(section["except_groups"])
    chosen = []
    for person in sorted(people, key=lambda p: p.name):
        if person.admin or always_kept & set(person.groups):
            continue
        for index, rule in enumerate(section["rules"]):
            reason = _matches(rule, person, config["courses"], now)
            if reason:
                chosen.append(Selection(person, index, reason))
                break
    return chosen


def _matches(rule: dict, person: Person, courses: dict, now: datetime) -> str | None:
    if set(rule.get("except_groups") or ()) & set(person.groups):
        return None
    reasons = []
    if rule.get("group") is not None:
        if rule["group"] not in person.groups:
            return None
        reasons.append(f"member of {rule['group']}")
    if rule.get("inactive_days") is not None:
        why = _inactive(person, rule["inactive_days"], now)
        if why is None:
            return None
        reasons.append(why)
    if rule.get("course_ended_days") is not None:
        why = _course_ended(person, rule, courses, now.date())
        if why is None:
            return None
        reasons.append(why)
    return "; ".join(reasons) or None


def _inactive(person: Person, days: int, now: datetime) -> str | None:
    # never active: the account's age stands in, so a new account is not "inactive"
    last = person.last_activity or person.created
    if last is None:
        return f"no activity recorded (inactive_days {days})"
    idle = (now - last).days
    if idle < days:
        return None
    seen = "last active" if person.last_activity else "never active, created"
    return f"{seen} {last.date().isoformat()} ({idle} days ago)"


def _course_ended(person: Person, rule: dict, courses: dict, today: date) -> str | None:
    """All the courses the person learns or tutors ended at least N days ago
    (one still running, or without an end date, keeps their home), and with
    `course:` that course is among them."""
    days = rule["course_ended_days"]
    theirs = {name: c for name, c in courses.items()
              if c["learners_group"] in person.groups or c["tutors_group"] in person.groups}
    if not theirs or (rule.get("course") and rule["course"] not in theirs):
        return None
    ended = {}
    for name, course in theirs.items():
        if not course.get("ends"):
            return None
        ends = date.fromisoformat(course["ends"])
        if (today - ends).days < days:
            return None
        ended[name] = ends
    name = rule.get("course") or max(ended, key=ended.get)
    return f"course {name} ended {ended[name].isoformat()} ({(today - ended[name]).days} days ago)"
