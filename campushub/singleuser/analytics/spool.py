"""Records on disk until the service has them.

One line of JSON per record. New records go to `current.jsonl` (a buffered
append, flushed to the kernel's page cache but never fsync'd: the message
path must not wait for a disk); the sender renames it to a `batch-*` file
before sending, so a record is never both written and sent at once, and
deletes a batch only after the service said it has it. Batches left by a
crash are sent at the next start.

A user's named servers share the home, and so this folder: an append and a
rename of current.jsonl each hold an flock on the file, and an append that
finds its open file is no longer current.jsonl (another server made it a
batch, perhaps sent and deleted already) opens the new one, so no record
goes into a batch after it was read.
"""

import fcntl
import json
import os
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

CURRENT = "current.jsonl"


def default_dir() -> Path:
    return Path.home() / ".local" / "share" / "campushub" / "analytics"


class Spool:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._file = None

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)

    def append(self, record: dict) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        while True:
            if self._file is None:
                # O_NOFOLLOW: a link planted in the folder leads nowhere else
                fd = os.open(self.folder / CURRENT, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
                self._file = os.fdopen(fd, "a", encoding="utf-8")
            with _locked(self._file.fileno()):
                if self._is_current(self._file.fileno()):
                    self._file.write(line)
                    self._file.flush()
                    return
            self._file.close()
            self._file = None

    def _is_current(self, fd: int) -> bool:
        try:
            named = os.stat(self.folder / CURRENT, follow_symlinks=False)
        except FileNotFoundError:
            return False
        opened = os.fstat(fd)
        return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)

    def rotate(self) -> None:
        """Make what was appended so far a batch of its own."""
        if self._file is not None:
            self._file.close()
            self._file = None
        current = self.folder / CURRENT
        while True:
            try:
                fd = os.open(current, os.O_RDONLY | os.O_NOFOLLOW)
            except FileNotFoundError:
                return
            try:
                with _locked(fd):
                    if self._is_current(fd):
                        os.rename(current, self.folder / f"batch-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.jsonl")
                        return
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
        tmp = batch.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records), encoding="utf-8")
        os.replace(tmp, batch)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@contextmanager
def _locked(fd: int):
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
