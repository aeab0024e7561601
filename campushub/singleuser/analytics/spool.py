"""Records on disk until the service has them.

One line of JSON per record. New records go to a `current-*.jsonl` file of
this server's own (a buffered append, flushed to the kernel's page cache but
never fsync'd: the message path must not wait for a disk); the sender
renames it to a `batch-*` file before sending, so a record is never both
written and sent at once, and deletes a batch only after the service said
it has it. Batches left by a crash are sent at the next start.

A user's named servers share the home, and so this folder. Each server
appends to its own file and holds an flock on it while it is open (taken
once per file, not per record: on a network home a lock is a round trip);
a sender renames its own file and those of servers that are gone (their
lock is free: stopped, killed, or an older extension's `current.jsonl`),
never one another server still writes to, so no record goes into a batch
after the batch was read.
"""

import fcntl
import json
import os
import time
import uuid
from pathlib import Path


def default_dir() -> Path:
    return Path.home() / ".local" / "share" / "campushub" / "analytics"


def _unique(kind: str) -> str:
    return f"{kind}-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.jsonl"


class Spool:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._file = None
        self._name = None

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)

    def append(self, record: dict) -> None:
        if self._file is None:
            self._file, self._name = self._new_file()
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()

    def _new_file(self):
        name = _unique("current")
        new = self.folder / f".new-{name}"
        # O_NOFOLLOW: a link planted in the folder leads nowhere else
        fd = os.open(new, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(new, self.folder / name)  # under its name only once locked: no sender takes it as left over
        return os.fdopen(fd, "a", encoding="utf-8"), name

    def rotate(self) -> None:
        """Make what this server appended so far a batch, and what servers that are gone left."""
        if self._file is not None:
            os.rename(self.folder / self._name, self.folder / _unique("batch"))
            self._file.close()  # the lock goes with it
            self._file = None
        for left in sorted(self.folder.glob("current*.jsonl")):
            try:
                fd = os.open(left, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue  # another server took it just now
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if _names(left, fd):
                    os.rename(left, self.folder / _unique("batch"))
            except OSError:
                continue  # locked: its server still writes it (or it went meanwhile)
            finally:
                os.close(fd)

    def batches(self) -> list[Path]:
        """Oldest first, so records reach the service in the order they happened."""
        return sorted(self.folder.glob("batch-*.jsonl"))

    def read(self, batch: Path, log) -> list[dict]:
        """The batch's records; a line that is not a record is dropped with a log line."""
        records = []
        with open(batch, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                try:
                    record = json.loads(line)
                except ValueError:
                    record = None
                if isinstance(record, dict) and isinstance(record.get("id"), str):
                    records.append(record)
                elif line.strip():
                    log.warning("campushub_analytics: dropped line %d of %s: not a record", number, batch.name)
        return records

    def keep(self, batch: Path, records: list[dict]) -> None:
        """What is left of a batch after part of it was delivered (or dropped)."""
        if not records:
            batch.unlink(missing_ok=True)
            return
        # a name of this call's own: two servers of the user may be sending the same batch
        tmp = batch.with_name(f".keep-{uuid.uuid4().hex}-{batch.name}")
        tmp.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records), encoding="utf-8")
        os.replace(tmp, batch)

    def close(self) -> None:
        """Stop writing: what is in this server's file is left over for the next sender."""
        if self._file is not None:
            self._file.close()
            self._file = None



def _names(path: Path, fd: int) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (not taken by another sender meanwhile)."""
    try:
        named = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)
