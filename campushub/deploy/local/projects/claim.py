"""Which site a projects root is: `<root>/.campushub-site` names the data dir of the site that claimed it.

Group names are qualified by the root (names.py), so two sites on one root would compute the same
group for a project of the same name and share its folder, files and members. `up` claims the root
before anything starts (for a site with the projects page on or declared projects) and stops when
another site holds it; a server start checks it again before it touches a group or folder, which
also claims it for a site that uses projects without the page (at the start of a person with a
project: one without leaves an unclaimed root alone, as it may be such a site's). A name starting
with a dot is never a project's, so nothing that walks the root takes the file for a project folder.

The data dir is the site's identity: a site whose data dir moved finds its root claimed by the old
path, and the operator removes the file (docs/operations.md).
"""

from __future__ import annotations

import fcntl
import os

from ....config import projects as projects_config
from ....hub.services import projects_enabled
from . import folders, marker, roots
from .marker import MARKER

REFUSED = ("projects.root {root} belongs to the site at {other}; give this site a projects.root of its own in "
           "campushub.yaml (two sites sharing it would share every project's folder)")


def owner(root_fd: int) -> str | None:
    """The data dir the root is claimed for; None when it is nobody's yet. FolderError: a marker
    that is not root's own file (planted by someone who can write in the root)."""
    return marker.read(root_fd, MARKER, f"the projects root's {MARKER}")


def claim(root_fd: int, data_dir: str) -> str | None:
    """Claim the root for the site at data_dir; the other site's data dir, with nothing changed, when
    the root is another site's. Under a lock on the root: two sites claiming at once get one owner."""
    mine = os.path.realpath(data_dir)
    fcntl.flock(root_fd, fcntl.LOCK_EX)
    try:
        found = owner(root_fd)
        if found is not None:
            return None if found == mine else found
        marker.write(root_fd, MARKER, mine)
        return None
    finally:
        fcntl.flock(root_fd, fcntl.LOCK_UN)


def wanted(config: dict) -> bool:
    """`up` claims the root of a site with projects: the page on, declared ones, or a root holding
    folders already (a site with the page off whose admins made projects through the REST API or
    identity-provider groups: left unclaimed, another site given the root would take their groups
    and folders). A site with none and no root leaves it alone, and such sites run side by side."""
    if projects_enabled(config) or config["projects"]["declared"]:
        return True
    try:
        entries = os.listdir(projects_config.root(config))
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True  # open_root says what is wrong with it
    return any(entry != MARKER for entry in entries)


def refusal(config: dict) -> str | None:
    """The line for_up would stop `up` with, found without changing anything (no root made, no claim):
    `up` asks this before it makes its data dir, and claims after its last refusal."""
    if not wanted(config):
        return None
    root = projects_config.root(config)
    try:
        nested = roots.nested(root, config["data_dir"])
        if nested:
            return nested
        try:
            root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return None  # missing (made by for_up), or for_up says what is wrong with it
        try:
            other = owner(root_fd)
        finally:
            os.close(root_fd)
    except folders.FolderError as e:
        return str(e)
    return REFUSED.format(root=root, other=other) if other not in (None, os.path.realpath(config["data_dir"])) else None


def for_up(config: dict) -> str | None:
    """`up`'s claim: None, or the one line that stops it (nothing changed)."""
    if not wanted(config):
        return None
    root = projects_config.root(config)
    try:
        # before open_root: that re-owns an existing folder, which may be another site's project folder
        nested = roots.nested(root, config["data_dir"])
        if nested:
            return nested
        root_fd = folders.open_root(root)
        try:
            other = claim(root_fd, config["data_dir"])
        finally:
            os.close(root_fd)
        if other is None:
            roots.record(root)
    except folders.FolderError as e:
        return str(e)
    except OSError as e:
        return f"projects.root {root} cannot be made ({e.strerror}); make it as root, or choose another projects.root"
    return REFUSED.format(root=root, other=other) if other else None
