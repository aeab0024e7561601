"""Writing files so that a power cut leaves either the old state or the whole new file."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(partial: Path, final: Path) -> None:
    """Flush `partial` to disk, then give it its final name: a reader never
    sees a half-written archive under the name that says it is complete."""
    fd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, final)
    fsync_dir(final.parent)


def create_new(partial: Path, mode: int = 0o600) -> int:
    """A fresh file at `partial` for writing. What is there already is
    removed, never written through: in a store another account can write
    to, a link planted at the predictable name would have root write the
    archive into the file it names, and a left-over file keeps its own
    (perhaps loose) mode under O_TRUNC. A name planted again meanwhile
    makes the open fail (O_EXCL), which writes nothing."""
    partial.unlink(missing_ok=True)
    return os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)


def write_text(path: Path, text: str, mode: int = 0o600) -> None:
    partial = path.with_name(path.name + ".partial")
    fd = create_new(partial, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    publish(partial, path)
