"""The records this extension sends: their fields are all it ever learns
(see the package docstring); the service checks them again."""

import uuid
from datetime import datetime, timezone

STATUSES = {"ok": "ok", "error": "error", "aborted": "aborted", "abort": "aborted"}


def iso(timestamp: float) -> str:
    # timezone.utc: datetime.UTC is new in 3.11, and images may have an older python
    when = datetime.fromtimestamp(timestamp, timezone.utc)  # noqa: UP017
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _record(kind: str, timestamp: float, **fields) -> dict:
    return {"id": uuid.uuid4().hex, "kind": kind, "time": iso(timestamp), **fields}


def execution(timestamp: float, path: str, course: str | None, notebook: str | None, cell: str | None,
              status: str, duration_ms: float) -> dict:
    return _record("execution", timestamp, path=path, course=course, notebook=notebook, cell=cell,
                   status=status, duration_ms=round(max(duration_ms, 0.0), 3))


def notebook(timestamp: float, course: str, path: str, cells: list[str]) -> dict:
    return _record("notebook", timestamp, course=course, notebook=path, cells=cells)


def sync(timestamp: float, course: str, status: str) -> dict:
    return _record("sync", timestamp, course=course, status=status)


def parse_time(text: str) -> datetime:
    """ISO 8601; a trailing Z too, which Python before 3.11 does not read."""
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
