"""Whether the folder retention keeps archives in is root's alone.

An archive is trusted twice: apply deletes a home once its archive
verified, and restore extracts it into the home of the person its manifest
names, as that person. Whoever can rename or write in the folder, or in a
folder above it, can replace an archive and its manifest together: a
restore then puts their files (a .bashrc, an IPython startup file) into
someone else's home, to run as them. So the folder and every folder above
it must belong to root (or this process's account), and none may be
writable by others unless it is sticky like /tmp.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ...retention.archive import manifest_path
from ...retention.backend import RetentionError


def _problem(path: Path, whole: bool) -> str | None:
    st = os.lstat(path)
    if st.st_uid not in (0, os.geteuid()):
        return f"{path} belongs to uid {st.st_uid}"
    if stat.S_ISLNK(st.st_mode):
        return None  # root's link: where it leads is checked on the resolved path
    if whole and st.st_mode & 0o022:
        return f"{path} is writable by its group or others (mode {stat.S_IMODE(st.st_mode):o})"
    if st.st_mode & 0o002 and not st.st_mode & stat.S_ISVTX:
        return f"{path} is writable by others and not sticky (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def check(folder: str | Path) -> None:
    """Raise RetentionError (one line) unless `folder` and the folders above it
    can be changed by root (or this account) alone."""
    given = Path(os.path.abspath(folder))
    for chain in (given, Path(os.path.realpath(given))):
        for path in (chain, *chain.parents):
            problem = _problem(path, whole=path == chain)
            if problem:
                raise RetentionError(f"the archive folder {given} is not root's alone: {problem}; archives "
                                     "there could be swapped for others' files (chown root and chmod go-w it, "
                                     "or choose another retention.archive_dir)")


def check_archive(archive: str | Path) -> None:
    """An archive to restore from, and its manifest, in such a folder and root's alone."""
    path = Path(os.path.abspath(archive))
    check(path.parent)
    for file in (path, manifest_path(path)):
        problem = _problem(file, whole=True) if os.path.lexists(file) else None
        if problem:
            raise RetentionError(f"the archive {path} is not root's alone: {problem}; nothing restored")
