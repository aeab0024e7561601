"""Bringing a home back from its archive, as its owner.

Extraction runs in a child process that has dropped to the person's
current uid and gid: the files are theirs without a chown, and a crafted
archive (a member through a planted link, say) can write nothing its owner
could not have written anyway. Names are checked as well (relative, no
"..", no link on the way), modes and nanosecond mtimes restored exactly,
directories' modes and times set last so a read-only directory can still
be filled. The home's own folder keeps its mode and time when this
process does not own it: a Kubernetes Job (uid 1000, group 100) writes
into a volume whose top folder is root's (the fsGroup makes it group-
writable), so only its contents can be set. A root-owned lost+found at
the top (mkfs's) is the file system's: an archive member of that name is
not extracted into it. Extracting as root (an operator's shell restoring
into a root-owned folder) drops setuid and setgid bits: the files are
root's, and an archive's setuid program would become a root one. Our
own reader rather than TarFile.extractall: this Python's tarfile has no
extraction filters, and their modes policy would change the modes a
byte-for-byte restore must keep.
"""

from __future__ import annotations

import os
import tarfile
import zlib  # noqa: F401  imported before any fork: the child must not need the import lock
from pathlib import Path, PurePosixPath

from .archive import CHUNK
from .backend import RetentionError
from .verify import KIND
from .walk import LOST_FOUND, file_system_own, remove_tree


class ExtractError(RetentionError):
    pass


def _target(home: Path, name: str) -> Path:
    parts = PurePosixPath(name).parts
    if name == ".":
        return home
    if not parts or name.startswith("/") or ".." in parts or "." in parts:
        raise ExtractError(f"refusing the archive member {name!r}: not a plain path inside the home")
    path = home
    for part in parts[:-1]:
        path = path / part
        if os.path.islink(path) or not path.is_dir():
            raise ExtractError(f"refusing {name!r}: {path} is not a directory of the archive")
    return path / parts[-1]


def _ns(member: tarfile.TarInfo) -> int:
    seconds, _, frac = member.pax_headers.get("mtime", str(int(member.mtime))).partition(".")
    return int(seconds) * 10**9 + int((frac + "000000000")[:9])


def _mode(member: tarfile.TarInfo) -> int:
    return member.mode & (0o1777 if os.geteuid() == 0 else 0o7777)


def _place(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path, dirs: list) -> int:
    kind = KIND.get(member.type)
    if path.is_symlink() or (path.exists() and kind != "dir" and not path.is_dir()):
        path.unlink()
    elif path.is_dir() and kind != "dir":
        remove_tree(path)  # iterative: shutil.rmtree recurses (RecursionError on a deep folder)
    if kind == "dir":
        path.mkdir(mode=0o700, exist_ok=True)
        if member.name == "." and os.stat(path).st_uid != os.geteuid():
            return 0  # a volume's root-owned top folder: its mode and time are not ours to set
        # writable while it is filled (a restore over a home with a read-only
        # folder); its own mode is set once everything is in it
        os.chmod(path, 0o700)
        dirs.append((path, member))
        return 0
    if kind == "symlink":
        os.symlink(member.linkname, path)
        ns = _ns(member)
        os.utime(path, ns=(ns, ns), follow_symlinks=False)
        return 0
    if kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "file":
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            source = tar.extractfile(member)
            for block in iter(lambda: source.read(CHUNK), b""):
                out.write(block)
    else:
        raise ExtractError(f"refusing {member.name!r}: a member of a kind retention never writes")
    os.chmod(path, _mode(member))
    ns = _ns(member)
    os.utime(path, ns=(ns, ns))
    return member.size if kind == "file" else 0


def _file_system_folder(home: Path) -> bool:
    try:
        return file_system_own(LOST_FOUND, os.lstat(home / LOST_FOUND))
    except FileNotFoundError:
        return False


def extract_here(source, home: Path) -> dict:
    """Extract the archive open as `source` as the current process's user;
    returns the files and bytes written."""
    files = size = 0
    dirs: list = []
    with tarfile.open(fileobj=source, mode="r|gz") as tar:
        theirs = _file_system_folder(home)
        for member in tar:
            if theirs and member.name.split("/")[0] == LOST_FOUND:
                continue
            written = _place(tar, member, _target(home, member.name), dirs)
            files += KIND.get(member.type) == "file"
            size += written
    for path, member in reversed(dirs):  # children before parents
        os.chmod(path, _mode(member))
        ns = _ns(member)
        os.utime(path, ns=(ns, ns))
    return {"files": files, "bytes": size}


def extract(archive: Path, home: Path, uid: int | None = None, gid: int | None = None) -> dict:
    """Extract into `home` (which must exist) as uid/gid; None: as this process."""
    # opened here: the archive store is root's, the child may not open it
    with open(archive, "rb") as source:
        if uid is None or (uid == os.geteuid() and gid == os.getegid()):
            return extract_here(source, home)
        return _as_user(source, home, uid, gid)


def _as_user(source, home: Path, uid: int, gid: int) -> dict:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges for good, extract, report through the pipe
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            result = extract_here(source, home)
            os.write(write_end, f"ok {result['files']} {result['bytes']}".encode())
            status = 0
        except BaseException as e:  # noqa: BLE001  everything must reach the parent as text
            os.write(write_end, f"error {e}".encode("utf-8", "replace")[:4000])
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        message = f.read().decode("utf-8", "replace")
    os.waitpid(pid, 0)
    word, _, rest = message.partition(" ")
    if word != "ok":
        raise ExtractError(rest or "the extracting process ended without a word")
    files, size = rest.split()
    return {"files": int(files), "bytes": int(size)}
