"""What an import changes, decided before anything is written: the same plan
is shown by a dry run and carried out by an import, so the two cannot differ.

Only what the file says is changed: people, memberships and admin flags it
does not mention stay as they are. `sync_groups` makes each listed person's
groups exactly those of their line (memberships in others are removed); no
one is ever deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ...i18n import N_
from .csvfile import Problem, Row

ADMIN_SET = N_("admin: {value}")
NAME_SET = N_("display name: {name}")
DUPLICATE = N_("\"{username}\" is already on line {first}: give each person one line.")

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class Person:
    """One hub user as the import sees them."""
    admin: bool = False
    groups: frozenset[str] = frozenset()
    display_name: str = ""


@dataclass
class Step:
    """One line's changes (empty for unchanged)."""
    line: int
    username: str
    create: bool = False
    admin: bool | None = None  # the new flag, when it changes
    add_groups: tuple[str, ...] = ()
    remove_groups: tuple[str, ...] = ()
    display_name: str | None = None  # the new name, when it changes
    # what changes, as (English source, placeholders) for the page to translate; "+group" / "-group" as is
    details: list[tuple[str, dict]] = field(default_factory=list)

    def english(self) -> list[str]:
        return [source.format(**params) for source, params in self.details]

    @property
    def outcome(self) -> str:
        if self.create:
            return CREATED
        changed = self.admin is not None or self.add_groups or self.remove_groups or self.display_name is not None
        return UPDATED if changed else UNCHANGED


def plan(rows: Iterable[Row], people: Mapping[str, Person], check_name: Callable[[str], Problem | None],
         *, sync_groups: bool = False) -> tuple[list[Step], list[Problem]]:
    """check_name(line, name): the problem with a user name (the authenticator's rules), or None."""
    steps, problems, seen = [], [], {}
    for row in rows:
        problem = check_name(row.line, row.username)
        if problem is None and row.username in seen:
            problem = Problem(row.line, DUPLICATE, {"username": row.username, "first": seen[row.username]})
        if problem is not None:
            problems.append(problem)
            continue
        seen[row.username] = row.line
        steps.append(_step(row, people.get(row.username), sync_groups))
    return steps, problems


def _step(row: Row, current: Person | None, sync_groups: bool) -> Step:
    step = Step(row.line, row.username, create=current is None)
    now = current or Person()
    if row.admin is not None and row.admin != now.admin:
        step.admin = row.admin
        step.details.append((ADMIN_SET, {"value": str(row.admin).lower()}))
    if row.groups is not None:
        step.add_groups = tuple(g for g in row.groups if g not in now.groups)
        if sync_groups:
            step.remove_groups = tuple(sorted(now.groups - set(row.groups)))
        step.details += [("+{group}", {"group": g}) for g in step.add_groups]
        step.details += [("-{group}", {"group": g}) for g in step.remove_groups]
    if row.display_name is not None and row.display_name != now.display_name:
        step.display_name = row.display_name
        step.details.append((NAME_SET, {"name": row.display_name}))
    return step


def summary(steps: Iterable[Step], problems: list[Problem]) -> dict[str, int]:
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    for step in steps:
        counts[step.outcome] += 1
    counts["errors"] = len(problems)
    return counts
