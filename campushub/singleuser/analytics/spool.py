"""Records on disk until the service has them.

One line of JSON per record. New records go to `current.jsonl` (a buffered
append, flushed to the kernel's page cache but never fsync'd: the message
path must not wait for a disk); the sender renames it to a `batch-*` file
before sending, so a record is never both written and sent at once, and
deletes a batch only after the service said it has it. Batches left by a
crash are sent at the next start.
"""

import json
import os
import time
import uuid
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
        if self._file is None:
            # O_NOFOLLOW: a link planted in the folder leads nowhere else
            fd = os.open(self.folder / CURRENT, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            self._file = os.fdopen(fd, "a", encoding="utf-8")
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()

    def rotate(self) -> None:
        """Make what was appended so far a batch of its own."""
        if self._file is not None:
            self._file.close()
            self._file = None
        current = self.folder / CURRENT
        if current.exists():
            os.rename(current, self.folder / f"batch-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.jsonl")

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
