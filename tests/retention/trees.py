"""Home-like trees for retention tests, and a byte-for-byte snapshot to compare them."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


def make_tree(root: Path, uid: int | None = None, gid: int | None = None) -> None:
    """Files of several modes and nanosecond mtimes, links (relative, absolute,
    dangling), empty and read-only directories, a fifo, non-ASCII and non-UTF-8
    names, a long path."""
    root.mkdir(mode=0o700, exist_ok=True)
    (root / "notebooks" / "week1").mkdir(parents=True)
    (root / "notebooks" / "week1" / "lab.ipynb").write_text('{"cells": []}\n')
    (root / "notebooks" / "data.bin").write_bytes(os.urandom(300_000))
    (root / "empty" / "deeper").mkdir(parents=True)
    (root / "script.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(root / "script.sh", 0o750)
    (root / "secret.txt").write_text("mine only")
    os.chmod(root / "secret.txt", 0o400)
    (root / "заметки.md").write_text("кириллица, 日本語\n")
    (root / ".hidden").write_bytes(b"")
    with open(os.path.join(bytes(root), b"latin1-\xe9t\xe9.txt"), "wb") as f:  # a name that is not UTF-8
        f.write(b"from an old zip file")
    (root / ("long-" * 40)).mkdir()
    (root / ("long-" * 40) / ("name-" * 40)).write_text("a path over 255 bytes, in PAX records")
    os.symlink("notebooks/week1/lab.ipynb", root / "link-relative")
    os.symlink("/etc/shadow", root / "link-outside")  # must be kept as a link, never followed
    os.symlink("nowhere", root / "link-dangling")
    os.mkfifo(root / "a-fifo", 0o640)
    (root / "frozen").mkdir()
    (root / "frozen" / "inside.txt").write_text("in a read-only folder")
    os.chmod(root / "frozen", 0o500)
    for i, path in enumerate(sorted(root.rglob("*"), reverse=True)):
        if uid is not None:
            os.lchown(path, uid, gid)
        t = 1_700_000_000_123_456_789 + i * 1_000_000_007
        os.utime(path, ns=(t, t), follow_symlinks=False)
    if uid is not None:
        os.chown(root, uid, gid)
    os.utime(root, ns=(1_690_000_000_987_654_321,) * 2)


def snapshot(root: Path) -> dict:
    """Everything a byte-for-byte restore must keep, per relative path."""
    out = {}
    for path in [root, *sorted(root.rglob("*"))]:
        st = os.lstat(path)
        kind = stat.S_IFMT(st.st_mode)
        item = {"kind": kind, "mode": stat.S_IMODE(st.st_mode), "mtime_ns": st.st_mtime_ns}
        if stat.S_ISREG(st.st_mode):
            item["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            item["size"] = st.st_size
        if stat.S_ISLNK(st.st_mode):
            item["target"] = os.readlink(path)
        out[str(path.relative_to(root))] = item
    return out


def owners(root: Path) -> set[tuple[int, int]]:
    return {(os.lstat(p).st_uid, os.lstat(p).st_gid) for p in [root, *root.rglob("*")]}
