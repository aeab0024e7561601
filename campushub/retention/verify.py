"""Proving an archive holds what its home held, before anything is deleted.

The whole archive is read back from storage (not trusted from the writer's
memory): its sha256, then every member against the manifest: the same
names, types, modes, mtimes, link targets, sizes and sha256 of contents,
hence the same file count and bytes. A short, corrupt or altered archive
fails with the first difference as the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import stat
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .archive import CHUNK, MANIFEST_FORMAT, manifest_path, mtime_text
from .walk import entries

KIND = {tarfile.DIRTYPE: "dir", tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.SYMTYPE: "symlink",
        tarfile.FIFOTYPE: "fifo"}
PATH_MAX = 4096  # Linux's, with the terminating NUL


@dataclass(frozen=True)
class Verification:
    ok: bool
    files: int = 0
    bytes: int = 0
    reason: str = ""

    def to_json(self) -> dict:
        return {"ok": self.ok, "files": self.files, "bytes": self.bytes, "reason": self.reason}


class _Reading:
    """A read-only file that hashes what is read through it."""

    def __init__(self, f):
        self.f, self.sha, self.size = f, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def load_manifest(archive: Path) -> dict:
    manifest = json.loads(manifest_path(archive).read_text(encoding="utf-8"))
    if manifest.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"unknown manifest format {manifest.get('format')!r}")
    return manifest


def verify(archive: Path, manifest: dict | None = None) -> Verification:
    try:
        manifest = manifest if manifest is not None else load_manifest(archive)
    except (OSError, ValueError) as e:
        return Verification(False, reason=f"no readable manifest beside {archive.name}: {e}")
    try:
        return _compare(archive, manifest)
    except (OSError, EOFError, tarfile.TarError, zlib.error) as e:
        return Verification(False, reason=f"{archive.name} cannot be read back: {e or type(e).__name__}")


def _compare(archive: Path, manifest: dict) -> Verification:
    expected = manifest["entries"]
    seen, files, size = set(), 0, 0
    with open(archive, "rb") as raw:
        reading = _Reading(raw)
        with tarfile.open(fileobj=reading, mode="r|gz") as tar:
            for member in tar:
                want = expected.get(member.name)
                problem = _differs(tar, member, want) if member.name not in seen else "appears twice"
                problem = problem or _unrestorable(manifest, member.name)
                if problem:
                    return Verification(False, files, size, f"{member.name!r}: {problem}")
                seen.add(member.name)
                if want["type"] == "file":
                    files, size = files + 1, size + member.size
        while reading.read(CHUNK):  # the rest of the gzip stream, for the archive's hash
            pass
    missing = sorted(set(expected) - seen)
    if missing:
        return Verification(False, files, size, f"{len(missing)} entries missing, first {missing[0]!r}")
    if (files, size) != (manifest["files"], manifest["bytes"]):
        return Verification(False, files, size, f"holds {files} files and {size} bytes; the home had "
                            f"{manifest['files']} files and {manifest['bytes']} bytes")
    if (reading.size, reading.sha.hexdigest()) != (manifest["archive_bytes"], manifest["archive_sha256"]):
        return Verification(False, files, size, f"is {reading.size} bytes with another sha256 than written "
                            f"({manifest['archive_bytes']} bytes)")
    return Verification(True, files, size)


def _unrestorable(manifest: dict, name: str) -> str:
    """The archive is a copy only if restore (extract.py, which writes by path) can write every
    member back: the walk reads folders relative to their parent, so a home can hold paths
    longer than the kernel takes, and that home must not be deleted for such an archive."""
    length = len(os.fsencode(posixpath.join(manifest.get("source") or "/", name)))
    if length >= PATH_MAX:
        return f"its path is too long to be restored ({length} bytes, the limit is {PATH_MAX - 1})"
    return ""


def _differs(tar: tarfile.TarFile, member: tarfile.TarInfo, want: dict | None) -> str:
    if want is None:
        return "not in the manifest"
    kind = KIND.get(member.type)
    if kind != want["type"]:
        return f"is a {kind}, the manifest says {want['type']}"
    if stat.S_IMODE(member.mode) != want["mode"] or member.pax_headers.get("mtime") != want["mtime"]:
        return "mode or modification time differs from the manifest"
    if kind == "symlink" and member.linkname != want["target"]:
        return "link target differs from the manifest"
    if kind != "file":
        return ""
    if member.size != want["size"]:
        return f"{member.size} bytes, the manifest says {want['size']}"
    sha, f = hashlib.sha256(), tar.extractfile(member)
    for block in iter(lambda: f.read(CHUNK), b""):
        sha.update(block)
    return "" if sha.hexdigest() == want["sha256"] else "contents differ from the manifest (sha256)"


def home_changed(root: Path, manifest: dict) -> str | None:
    """Why the home no longer is what was archived, or None. Names, types,
    modes, sizes and nanosecond mtimes are compared (not contents: a file
    rewritten in place gets a new mtime), so an edit made after the archive,
    even one that keeps every size, stops the deletion."""
    expected = manifest["entries"]
    seen = 0
    for entry in entries(root):
        if entry.kind is None:
            continue
        want = expected.get(entry.name)
        now = {"type": entry.kind, "mode": stat.S_IMODE(entry.st.st_mode), "mtime": mtime_text(entry.st)}
        if entry.kind == "file":
            now["size"] = entry.st.st_size
        if want is None or any(want.get(k) != v for k, v in now.items()):
            return f"{entry.name!r} changed after it was archived"
        seen += 1
    return None if seen == len(expected) else f"{len(expected) - seen} entries were removed after the archive"
