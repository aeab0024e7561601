"""The projects root and one folder per project in it.

The root is root's, 0711: members pass through it to their folder, nobody
lists it (which projects exist is not everyone's business) and nobody but
root makes anything in it, so no user can plant a link where a project
folder is about to be. Each project folder is root:<project group>, 2770,
with access and default ACLs (setfacl, Debian's `acl`): what a member makes
inside gets read/write for the group whatever the member's umask (a default
ACL replaces the umask), folders inherit the same ACL and, by setgid, the
group; others get nothing. The named group entry keeps members' access to a
file whose group someone changed.

Only the root and the folders themselves are touched, never what members
put inside: their links lead anywhere, and root follows none of them.
"""

from __future__ import annotations

import grp
import os
import stat
import subprocess
from pathlib import Path

from .. import tools
from ..forkserver.mounts import MOUNTS, OPTIONAL_MOUNTS
from .names import PREFIX, RETIRED

ROOT_MODE = 0o711
FOLDER_MODE = 0o2770
_OPEN = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class FolderError(RuntimeError):
    """A project folder that cannot be made as it must be; one line for the hub log."""


def acl_spec(gid: int) -> str:
    """The ACL of a project folder; the same again as its default for what is made inside."""
    access = f"u::rwx,g::rwx,g:{gid}:rwx,m::rwx,o::---"
    return access + "," + ",".join("d:" + entry for entry in access.split(","))


def open_root(root: Path) -> int:
    """The root, made if missing, as an fd; refused when it is a link or someone else's."""
    for private in (m.decode() for m in MOUNTS + OPTIONAL_MOUNTS):
        if os.path.commonpath([os.path.abspath(root), private]) == private:
            raise FolderError(f"projects.root {root} is under {private}, which every server sees as its own "
                              "empty tmpfs; choose another projects.root, e.g. /srv/campushub/projects")
    os.makedirs(root, mode=ROOT_MODE, exist_ok=True)
    try:
        fd = os.open(root, _OPEN)
    except OSError as e:
        raise FolderError(f"projects.root {root} cannot be used ({e.strerror}); give a real folder, "
                          "not a symbolic link") from e
    info = os.fstat(fd)
    if info.st_uid != 0:
        os.close(fd)
        # someone else made it first (a root under /tmp): what they planted inside would stay theirs
        raise FolderError(f"projects.root {root} belongs to uid {info.st_uid}, not root; remove it or "
                          "choose another projects.root")
    if info.st_gid != 0 or stat.S_IMODE(info.st_mode) != ROOT_MODE:
        os.fchown(fd, 0, 0)
        os.fchmod(fd, ROOT_MODE)
    closed = _closed_ancestor(Path(root))
    if closed is not None:
        os.close(fd)
        raise FolderError(f"{closed} is closed to other accounts, so members could not reach their project "
                          f"folders under it: chmod o+x {closed}, or choose another projects.root")
    return fd


def _closed_ancestor(root: Path) -> Path | None:
    for folder in Path(os.path.abspath(root)).parents:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return folder
    return None


def ensure_folder(root_fd: int, name: str, gid: int) -> None:
    """<root>/<name>: root:gid, 2770, the project ACLs. `name` is a checked project name.

    A folder there of another gid is never adopted: it is one kept from a deleted project of that name
    (its tombstone group holds its gid), whose data the new project's members must not get."""
    try:
        os.mkdir(name, mode=0o700, dir_fd=root_fd)
        made = True
    except FileExistsError:
        made = False
    fd = os.open(name, _OPEN, dir_fd=root_fd)
    try:
        found = os.fstat(fd).st_gid
        # gid 0 only when this very call made it: an older folder of root's there may be another
        # site's projects root (nested roots), whose members this project's must not become
        if found != gid and not (found == 0 and made):
            raise FolderError(_foreign(name, found, gid))
        os.fchown(fd, 0, gid)
        os.fchmod(fd, FOLDER_MODE)
        # setfacl takes a path: /proc/self/fd/N is this very folder, whatever happens to its name
        setfacl = tools.require("setfacl", "acl", "project folders")
        result = subprocess.run([setfacl, "--set", acl_spec(gid), f"/proc/self/fd/{fd}"],
                                pass_fds=(fd,), capture_output=True, text=True)
        if result.returncode != 0:
            raise FolderError(f"setfacl on the project folder {name} failed: {result.stderr.strip()} "
                              "(the file system of projects.root needs POSIX ACLs)")
    finally:
        os.close(fd)


def _foreign(name: str, found: int, gid: int) -> str:
    try:
        holder = grp.getgrgid(found).gr_name
    except KeyError:
        holder = ""
    if holder.startswith(PREFIX) and not holder.startswith(RETIRED):
        # a live project group of another name: before groups were per root, two sites with a project of
        # this name shared one group, and the other site's upgrade took it under its own name
        return (f"{name} in projects.root belongs to gid {found}, the project group {holder} of another site that "
                f"shared it before project groups were per projects.root, not to this project's group (gid {gid}); "
                "give the folder this project's gid as docs/projects.md says (Two sites that shared a project)")
    return (f"{name} in projects.root belongs to gid {found}, not to the project's group (gid {gid}): a folder "
            "kept from a deleted project of that name; move it out of projects.root (as root) and the project's "
            "folder is made at the next start")


def folder(root: Path, name: str) -> Path:
    return Path(root) / name
