"""Projects roots of this machine's sites, so no site's root lies inside another's or around it.

A root inside another site's root is one of that site's project folders (or a folder its project of
that name would take): `up` would make it root's, that site's next start would give it back to its
members, who then write in this root (its marker included); a root around another site's holds that
root where a project of its own of the same name would adopt it. Above, each ancestor's
`.campushub-site` says it (cheap: a walk up the path). Below cannot be walked (a root may hold
anything), so every claim is recorded machine-wide: /var/lib/campushub-project-roots/<sha256 of
the root> holds the root's path, root's own (checked as the marker is). A record counts only while the
root it names still carries a marker naming another site; one whose root is gone is dropped.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from .folders import FolderError
from .marker import MARKER, read, write

# beside, not in, /var/lib/campushub: that is the default site's data dir, this is the machine's
RECORDS = Path("/var/lib/campushub-project-roots")
INSIDE = ("projects.root {root} lies inside {other}, the projects.root of the site at {site}; give this site a "
          "projects.root of its own beside it, e.g. /srv/<site>/projects")
AROUND = ("projects.root {root} contains {other}, the projects.root of the site at {site}; give this site a "
          "projects.root of its own beside it, e.g. /srv/<site>/projects")
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _owner_of(path: Path) -> str | None:
    try:
        fd = os.open(path, _DIR)
    except OSError:
        return None  # gone, or not a folder: no root there
    try:
        return read(fd, MARKER, str(path / MARKER))
    finally:
        os.close(fd)


def _records(create: bool) -> int | None:
    """The records folder as an fd, after checking it and its parent are root's and closed to writes."""
    fd = None
    for folder in (RECORDS.parent, RECORDS):
        if create:
            os.makedirs(folder, mode=0o755, exist_ok=True)
        try:
            opened = os.open(folder, _DIR) if fd is None else os.open(folder.name, _DIR, dir_fd=fd)
        except FileNotFoundError:
            return None
        finally:
            if fd is not None:
                os.close(fd)
        fd = opened
        info = os.fstat(fd)
        if info.st_uid != 0 or info.st_mode & 0o022:
            os.close(fd)
            raise FolderError(f"{folder} is not root's alone (owner uid {info.st_uid}, mode "
                              f"{stat.S_IMODE(info.st_mode):o}); make it root:root 0755 and run campushub up again")
    return fd


def record(root: Path) -> None:
    """Record a root this site now holds (again: also the roots claimed before records were kept)."""
    here = os.path.realpath(root)
    name = hashlib.sha256(here.encode()).hexdigest()
    fd = _records(create=True)
    try:
        if read(fd, name, str(RECORDS / name)) != here:
            write(fd, name, here)
    finally:
        os.close(fd)


def nested(root: Path, data_dir: str) -> str | None:
    """The one line refusing `root` for the site at data_dir, nested with another site's root; None if not."""
    here, mine = Path(os.path.realpath(root)), os.path.realpath(data_dir)
    for ancestor in here.parents:
        site = _owner_of(ancestor)
        if site not in (None, mine):
            return INSIDE.format(root=root, other=ancestor, site=site)
    fd = _records(create=False)
    if fd is None:
        return None
    try:
        for name in sorted(os.listdir(fd)):
            if "." in name:
                continue  # a writer's temporary file
            other = read(fd, name, str(RECORDS / name))
            if other is None or not os.path.lexists(other):
                os.unlink(name, dir_fd=fd)  # its root was removed: nothing left to guard
                continue
            other_path = Path(other)
            if other_path != here and here in other_path.parents:
                site = _owner_of(other_path)
                if site not in (None, mine):
                    return AROUND.format(root=root, other=other, site=site)
    finally:
        os.close(fd)
    return None
