"""Where a project's data is, as the service sees it: the one interface the
pages use for a project's size, its last activity and its deletion, so they
never ask which deployment they run in (local_storage.py, k8s_storage.py).

Last activity is defined per deployment, and the page says which:
- locally, the latest change of anything in the project's folder (the same
  walk that measures it, so it costs nothing more);
- on Kubernetes, where the service cannot see the claims, the latest hub
  activity among the project's members (their servers' and logins').
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

FOLDER, MEMBERS = "folder", "members"  # what "last activity" means (Usage.activity_kind)


class DeleteRefused(RuntimeError):
    """The project's data could not be archived: nothing was deleted. message: a catalog message (N_)."""

    def __init__(self, message: str, **values):
        super().__init__(message.format(**values))
        self.message, self.values = message, values


@dataclass(frozen=True)
class Usage:
    measured: bool  # False: size unknown here (Kubernetes) or still being measured
    pending: bool = False  # being measured now: the next view has it
    bytes: int | None = None
    complete: bool = True  # False: the walk hit its time limit; bytes is a lower bound
    activity: datetime | None = None
    activity_kind: str = FOLDER


@dataclass(frozen=True)
class Note:
    """What the person deleting a project is told about its data: a catalog message (N_) and its placeholders."""

    message: str
    values: dict


@dataclass(frozen=True)
class Archived:
    path: str  # the archive (its manifest beside it), or "" when the data is kept instead
    manifest: dict | None = None
    note: Note | None = None  # why there is no archive, when the admin must know


class Storage(Protocol):
    kind: str  # "local" or "kubernetes", in the API's answers

    async def usage(self, name: str, members: list[dict]) -> Usage:
        """Size and last activity; members: the hub's user models (for their activity)."""

    async def archive(self, name: str) -> Archived:
        """Before the group goes: the data archived and verified, or DeleteRefused (nothing changed)."""

    async def remove(self, name: str, archived: Archived) -> Note | None:
        """After the group went: the data removed; a Note when some of it was kept (and why)."""


def latest_activity(members: list[dict]) -> datetime | None:
    """The latest last_activity among the members' hub models (ISO 8601 strings, UTC)."""
    times = []
    for model in members:
        text = (model or {}).get("last_activity")
        if text:
            try:
                times.append(datetime.fromisoformat(text.replace("Z", "+00:00")))
            except ValueError:
                continue
    return max(times, default=None)
