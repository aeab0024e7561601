"""The names of a project's unix group, pure functions of the project and the site's projects root.

A group name is `chp-` and 112 bits of a sha256: of `<root>\\0<project>`, so two sites on one machine
with their own projects.root never compute the same group for a project of the same name (its gid
would open one site's folder to the other site's members). The default root keeps the hash of the
name alone, the name every site had before, so an existing site there keeps its groups and gids.

The earlier names are still known, to rename a site's own groups to the current one keeping their
gid: the unqualified hash (a site on another root before the qualification) and `chp-<name>` (before
names were hashed).
"""

from __future__ import annotations

import hashlib
import os

from ....config.projects import DEFAULT_ROOT
from ..spawner.unix_users import MAX_LEN

PREFIX = "chp-"
RETIRED = PREFIX + "deleted_"
_KEEP = MAX_LEN - len(PREFIX) - 4  # the old scheme kept names of up to 24 characters


def site_root(root: str | os.PathLike) -> str:
    """The root as group names are qualified by: its resolved path (a link or `..` in the configured
    path names the same folder), or DEFAULT_ROOT when it resolves to the default's folder."""
    resolved = os.path.realpath(root)
    return DEFAULT_ROOT if resolved == os.path.realpath(DEFAULT_ROOT) else resolved


def group_name(project: str, root: str | os.PathLike) -> str:
    """chp- and 112 bits of the sha256 of root and name (the name alone at the default root): 32
    characters, the longest group name we use. `root` as site_root() gives it."""
    root = os.path.normpath(root)
    key = project if root == DEFAULT_ROOT else f"{root}\0{project}"
    return PREFIX + hashlib.sha256(key.encode()).hexdigest()[: MAX_LEN - len(PREFIX)]


def legacy_name(project: str) -> str:
    """The name before group names were hashed: chp-<name>, or chp-<start>-<hash> when long."""
    if len(project) <= _KEEP:
        return PREFIX + project
    digest = hashlib.sha256(project.encode()).hexdigest()[:16]
    return f"{PREFIX}{project[: MAX_LEN - len(PREFIX) - 17]}-{digest}"


def earlier_names(project: str, root: str | os.PathLike) -> tuple[str, ...]:
    """The names this project's group had on this root before: the unqualified hash (only where it
    differs from the current name) and chp-<name>. Every site computed the same ones."""
    unqualified = group_name(project, DEFAULT_ROOT)
    return tuple(dict.fromkeys(n for n in (unqualified, legacy_name(project)) if n != group_name(project, root)))
