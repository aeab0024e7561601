"""What retention works on: people (from the hub), their homes, the plan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

ARCHIVE, SKIP = "archive", "skip"


def parse_time(text: str | None) -> datetime | None:
    """The hub API's ISO 8601 times ("...Z" or an offset); None stays None."""
    if not text:
        return None
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    name: str
    admin: bool = False
    groups: tuple[str, ...] = ()
    last_activity: datetime | None = None
    created: datetime | None = None
    running: bool = False  # a server of theirs runs or is starting, per the hub

    @classmethod
    def from_api(cls, model: dict) -> Person:
        """From a user model of the hub's REST API (GET /hub/api/users)."""
        servers = model.get("servers") or {}
        return cls(model["name"], bool(model.get("admin")), tuple(sorted(model.get("groups") or ())),
                   parse_time(model.get("last_activity")), parse_time(model.get("created")),
                   bool(servers) or bool(model.get("server")) or bool(model.get("pending")))


def people_from_api(models: Iterable[dict]) -> list[Person]:
    return [Person.from_api(m) for m in models]


@dataclass
class Home:
    location: str  # a path, or a claim's name on Kubernetes
    exists: bool
    files: int | None = None  # None: not known without reading the volume
    bytes: int | None = None
    dirs: int | None = None
    capacity: str | None = None  # what the volume was sized for (a claim's request), when files/bytes are unknown

    def to_json(self) -> dict:
        return {"location": self.location, "exists": self.exists, "files": self.files, "bytes": self.bytes,
                "dirs": self.dirs, "capacity": self.capacity}


@dataclass
class PlanItem:
    user: Person
    rule: int  # index into retention.rules
    reason: str
    home: Home
    action: str  # ARCHIVE: archive, verify, then delete; SKIP: left alone, `why` says why
    archive: str | None = None
    why: str = ""

    def to_json(self) -> dict:
        return {"user": self.user.name, "rule": self.rule, "reason": self.reason, "home": self.home.to_json(),
                "action": self.action, "archive": self.archive, "why": self.why}


@dataclass
class Plan:
    created: datetime
    archive_dir: str | None
    backend: str
    items: list[PlanItem] = field(default_factory=list)

    def to_json(self) -> dict:
        todo = [i for i in self.items if i.action == ARCHIVE]
        return {"created": self.created.isoformat(timespec="seconds"), "archive_dir": self.archive_dir,
                "backend": self.backend, "items": [i.to_json() for i in self.items],
                "totals": {"archive": len(todo), "skip": len(self.items) - len(todo),
                           "bytes": sum(i.home.bytes or 0 for i in todo),
                           "files": sum(i.home.files or 0 for i in todo)}}
