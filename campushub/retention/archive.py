"""Writing a home into a tarball, with a manifest of every entry beside it.

The format (format version in MANIFEST_FORMAT): a gzip-compressed PAX tar
whose first member is "." (the home itself), then every entry below it,
relative to the home; symbolic links are stored as links, hard links as
separate files, sockets and devices are left out and named in the
manifest. Modification times are kept to the nanosecond in a PAX "mtime"
record (tar's own field holds whole seconds). The manifest
(<archive>.manifest.json) lists each entry with its type, mode, mtime and,
for files, size and sha256, plus the totals and the archive's own sha256,
so verify.py can prove the archive holds exactly what the home held.

Python's tarfile and gzip do the format; this module adds reading the home
without following links, the manifest, and the durable publish. zstd would
compress faster, but no zstd library is among our dependencies and gzip is
what any machine can open.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .durable import create_new, publish, write_text
from .walk import Entry, Totals, entries

MANIFEST_FORMAT = "campushub-retention/1"
SUFFIX = ".tar.gz"
_SAFE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_HASHED = re.compile(r"-[0-9a-f]{8}$")
CHUNK = 1 << 20


def archive_stem(user: str) -> str:
    """A file name for a hub user: the name itself when it is plain, else a
    readable part and a hash, so two names never share archives."""
    # a plain name that looks like a readable part and a hash (ann-1a2b3c4d)
    # is hashed too: else "Ann" and a sign-up named after her archive's stem
    # would share archive names, and one run would write both to one file
    if _SAFE.fullmatch(user) and not _HASHED.search(user):
        return user
    readable = re.sub(r"[^a-z0-9._-]+", "-", user.lower()).strip("-._")[:40] or "user"
    return f"{readable}-{hashlib.sha256(user.encode('utf-8')).hexdigest()[:8]}"


def stamp(when: datetime) -> str:
    # to the microsecond, as on Kubernetes: a second apply in the same second as one whose archive failed
    # verification (kept beside as evidence) found the name taken and failed; fixed width, so names sort by time
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def archive_name(user: str, when: datetime) -> str:
    return f"{archive_stem(user)}-{stamp(when)}{SUFFIX}"


def manifest_path(archive: Path) -> Path:
    return archive.with_name(archive.name + ".manifest.json")


class _Hashing:
    """A write-only file that hashes and counts what passes through it."""

    def __init__(self, f):
        self.f, self.sha, self.size = f, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.f.write(data)

    def flush(self) -> None:
        self.f.flush()

    def tell(self) -> int:
        return self.size


def mtime_text(st: os.stat_result) -> str:
    seconds, ns = divmod(st.st_mtime_ns, 10**9)
    return f"{seconds}.{ns:09d}"


def _info(entry: Entry, kind: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.name)
    st = entry.st
    info.mode = stat.S_IMODE(st.st_mode)
    info.mtime = st.st_mtime_ns // 10**9
    info.pax_headers = {"mtime": mtime_text(st)}
    info.uid, info.gid = st.st_uid, st.st_gid
    info.type = {"dir": tarfile.DIRTYPE, "file": tarfile.REGTYPE, "symlink": tarfile.SYMTYPE,
                 "fifo": tarfile.FIFOTYPE}[kind]
    if kind == "symlink":
        info.linkname = entry.readlink()
    if kind == "file":
        info.size = st.st_size
    return info


class _HashingReader:
    def __init__(self, f, sha):
        self.f, self.sha = f, sha

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.sha.update(data)
        return data


def _add_file(tar: tarfile.TarFile, entry: Entry, info: tarfile.TarInfo, owner: int | None) -> str:
    # O_NOFOLLOW: the entry was a file when listed; if it has become a link
    # since, this fails instead of archiving the link's target.
    fd = entry.open(os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_ino != entry.st.st_ino:
            raise OSError(f"{entry.path} changed while it was archived")
        # Root reads the home, and a restore makes every file the person's: a
        # hard link to someone else's private file (or one written into a
        # folder they opened to all) would be handed to them. Refused, so the
        # operator looks; the home is kept.
        if owner is not None and st.st_uid != owner and not st.st_mode & stat.S_IROTH:
            raise PermissionError(errno.EACCES, f"a file of another account (uid {st.st_uid}) that the home's "
                                  "owner cannot read; restored it would be theirs: move or remove it, then apply "
                                  "again", str(entry.path))
        sha = hashlib.sha256()
        tar.addfile(info, _HashingReader(f, sha))
    return sha.hexdigest()


def _reserve(dest: Path) -> None:
    """Take the archive's name with an empty file, or fail if anything has it.
    publish() renames over its final name; without this an archive already
    there (another person's, whose home is gone) would be replaced."""
    try:
        os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "an archive is never written over, and one already has this name",
                              str(dest)) from None


def write_archive(root: Path, dest: Path, user: str,
                  progress: Callable[[int], None] | None = None, owner: int | None = None) -> dict:
    """Archive the tree at `root` into `dest` (+ its manifest); returns the
    manifest. `owner`: the uid the home belongs to, when this process can
    read more than they can (root). Until the archive is on disk its final name holds only an empty
    file (no manifest: no archive anyone restores from); an archive already
    under that name is never replaced (FileExistsError, nothing written)."""
    partial = dest.with_name(dest.name + ".partial")
    totals, listing, skipped = Totals(), {}, []
    _reserve(dest)
    try:
        fd = create_new(partial)
        with os.fdopen(fd, "wb") as raw:
            out = _Hashing(raw)
            with tarfile.open(fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=6) as tar:
                for entry in entries(root):
                    kind = entry.kind
                    totals.add(kind, entry.st.st_size)
                    if kind is None:
                        skipped.append(entry.name)
                        continue
                    info = _info(entry, kind)
                    item = {"type": kind, "mode": info.mode, "mtime": info.pax_headers["mtime"]}
                    if kind == "file":
                        item["size"] = info.size
                        item["sha256"] = _add_file(tar, entry, info, owner)
                        if progress:
                            progress(info.size)
                    else:
                        tar.addfile(info)
                        if kind == "symlink":
                            item["target"] = info.linkname
                    listing[entry.name] = item
        publish(partial, dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        dest.unlink(missing_ok=True)  # our own empty reservation
        raise
    manifest = {
        "format": MANIFEST_FORMAT, "user": user, "source": str(root),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": totals.files, "dirs": totals.dirs, "symlinks": totals.symlinks, "bytes": totals.bytes,
        "skipped": skipped, "archive": dest.name, "archive_bytes": out.size,
        "archive_sha256": out.sha.hexdigest(), "entries": listing,
    }
    write_text(manifest_path(dest), json.dumps(manifest, indent=0, sort_keys=True))
    return manifest
