"""The retention audit log: one JSON line per action, appended and fsynced.

Who did what to whose home, and why, must survive the archive and the
home being gone: a person asking where their files went is answered from
here. Lines are only ever appended (O_APPEND), each flushed to disk before
the action it records is taken further.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import UTC, datetime
from pathlib import Path

ACTIONS = ("plan", "archived", "verified", "deleted", "skipped", "restored", "failed")


def audit_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / "retention" / "audit.jsonl"


def operator() -> str:
    """The person behind the command: sudo's caller when run through sudo."""
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        return str(os.geteuid())


class AuditLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def record(self, action: str, user: str | None = None, **details) -> dict:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        line = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "action": action,
                "user": user, "by": operator(), **details}
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (json.dumps(line, sort_keys=True, default=str) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        return line

    def read(self) -> list[dict]:
        """Every line; a torn last line (a crash mid-write) is skipped, not fatal."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        lines = []
        for raw in text.splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
        return lines
