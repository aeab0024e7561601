"""Where homes live: what a deployment provides so plan, apply and restore work on it.

Local homes (deploy/local/retention_homes.py) and Kubernetes claims
(deploy/kubernetes/) implement this; the engine (plan.py, apply.py) knows
nothing else about them. `archive` and `dest` are paths as the archive
store names them (archive_dir joined with archive.archive_name): the CLI
may not see that store itself (on Kubernetes a Job mounts it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .model import Home, Person
from .verify import Verification


class RetentionError(RuntimeError):
    """A step could not be taken; the message says why, in one line, for the audit log and the operator."""


class PartlyDeleted(RetentionError):
    """The delete began and stopped: the home is partly gone. Its archive (verified before the
    delete began) is complete; the home must not be archived again as it is now."""


def printable(text: str) -> str:
    """`text` with control characters written as escapes (\\x1b, \\n). Messages carry names a
    learner chose (their files); raw, an escape sequence in one would drive the operator's
    terminal (clear it, rewrite the table, set the clipboard) and a line break split the line."""
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in text)


def explain(error: Exception) -> str:
    """One line for the operator and the audit log."""
    if isinstance(error, OSError) and error.strerror:
        text = f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    else:
        text = str(error) or type(error).__name__
    return printable(text)


class Backend(Protocol):
    name: str  # "local", "kubernetes": shown in plans and the audit log

    def home(self, person: Person) -> Home:
        """Where their home is and how big (files/bytes None when unknown)."""

    def busy(self, person: Person) -> str | None:
        """Why their home is in use right now (a running server or pod), or None."""

    def archive(self, person: Person, home: Home, dest: str, on_bytes: Callable[[int], None]) -> dict:
        """Write the archive and its manifest at `dest`; return the manifest."""

    def verify(self, person: Person, home: Home, dest: str, manifest: dict) -> Verification:
        """Read `dest` back from its storage and compare it with the manifest."""

    def delete(self, person: Person, home: Home, manifest: dict) -> None:
        """Remove the home (and locally the unix account), refusing with
        RetentionError when the home no longer matches the manifest."""

    def archives(self, name: str) -> list[str]:
        """Archives of this hub user, oldest first."""

    def restore(self, name: str, archive: str, force: bool) -> dict:
        """Verify `archive`, (re)create the home and account, extract into it
        as the person; refuse a non-empty home unless `force`. Returns
        {"location", "files", "bytes"}."""
