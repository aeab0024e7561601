"""Project data on one machine: the folder <projects.root>/<name> (H2's
deploy/local/projects makes it, with its unix group chp-<hash>).

The service runs as root under `campushub up`, like the other services
there: only root and the project's members can read a project folder, and
deleting one means removing the folder and retiring its unix group (renamed
to a memberless tombstone that keeps the gid: a folder kept below, or any
copy of the project's files, keeps a gid no later project gets). Sizes and last
changes come from a bounded walk off the event loop (sizes.py).

Deleting never loses data: the folder is archived with retention's writer
(retention/archive.py: a tarball plus a manifest of every entry), the archive
read back and compared (retention/verify.py), and only after the hub group
is gone is the folder compared with the manifest again and removed; a folder
changed meanwhile (a member's running server wrote to it) is kept and the
admin told so.

Only a folder of the project's current unix group is the project's: a
folder kept by the deletion of an earlier project of the same name keeps
that project's (tombstone) gid, and a project made again under the name
must neither show its size nor archive and remove it when deleted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from ...config import projects as section
from ...deploy.local import archive_store
from ...i18n import N_
from ...retention.archive import archive_name, write_archive
from ...retention.backend import RetentionError, explain
from ...retention.verify import home_changed, verify
from ...retention.walk import remove_tree
from .sizes import Sizes
from .storage import FOLDER, Archived, DeleteRefused, Note, Usage

log = logging.getLogger("campushub.projects")
ARCHIVE_FAILED = N_("The project's folder could not be archived, so nothing was deleted: {reason}")
FOLDER_KEPT = N_("Its folder {folder} changed after it was archived and is kept ({reason}); the archive is {archive}.")
NOT_ITS_FOLDER = N_("The folder {folder} was kept from an earlier project of this name (gid {gid}) and is not this project's: it was neither archived nor removed.")  # noqa: E501
GROUP_KEPT = N_("Its unix group could not be retired ({reason}); as root, rename it to chp-deleted_GID (its gid) with groupmod --new-name. Never delete it: its gid would go to the next project.")  # noqa: E501


class LocalStorage:
    kind = "local"

    def __init__(self, root: Path, archive_dir: Path, sizes: Sizes | None = None, unix_groups=None,
                 project_gid=None):
        self.root, self.archive_dir = Path(root), Path(archive_dir)
        self.sizes = sizes or Sizes(self.folder)
        # removes a project's unix group (H2's deploy/local/projects); None: leave unix groups alone
        self.unix_groups = unix_groups
        # name -> the gid of the project's unix group, or None when it has none; None: folders not checked
        self.project_gid = project_gid

    def folder(self, name: str) -> Path:
        return self.root / name  # name matched NAME_RE: no slash, no dots, so no way out of root

    def _foreign(self, name: str) -> int | None:
        """The gid of a folder at the project's place that is not its group's (see above), else None.
        Only root makes or changes anything in projects.root, so this holds until the service acts."""
        if self.project_gid is None:
            return None
        try:
            info = os.lstat(self.folder(name))
        except FileNotFoundError:
            return None
        if not stat.S_ISDIR(info.st_mode) or info.st_gid == self.project_gid(name):
            return None
        return info.st_gid

    async def usage(self, name: str, members: list[dict]) -> Usage:
        if self._foreign(name) is not None:
            return Usage(measured=False)  # its own folder cannot be made until an admin moves that one away
        known, found = await self.sizes.get(name)
        if not known:
            return Usage(measured=False, pending=True)
        if found is None:  # no folder yet: made at the first member's server start
            return Usage(measured=True, bytes=0)
        changed = datetime.fromtimestamp(found.newest, UTC) if found.newest else None
        return Usage(measured=True, bytes=found.bytes, complete=found.complete, activity=changed,
                     activity_kind=FOLDER)

    async def archive(self, name: str) -> Archived:
        folder = self.folder(name)
        if not folder.is_dir() or folder.is_symlink():
            return Archived(path="")
        foreign = self._foreign(name)
        if foreign is not None:
            log.warning("project %s: %s belongs to gid %d, not to the project: left alone", name, folder, foreign)
            return Archived(path="", note=Note(NOT_ITS_FOLDER, {"folder": str(folder), "gid": foreign}))
        dest = self.archive_dir / archive_name(f"project-{name}", datetime.now(UTC))
        try:
            manifest = await asyncio.get_running_loop().run_in_executor(None, self._write, folder, dest, name)
        except (OSError, RetentionError, ValueError) as e:
            raise DeleteRefused(ARCHIVE_FAILED, reason=explain(e)) from None
        log.info("project %s archived to %s (%d files, %d bytes)", name, dest, manifest["files"], manifest["bytes"])
        return Archived(path=str(dest), manifest=manifest)

    def _write(self, folder: Path, dest: Path, name: str) -> dict:
        self.archive_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        archive_store.check(self.archive_dir)  # root's alone: archives nobody else can swap
        manifest = write_archive(folder, dest, f"project-{name}")
        checked = verify(dest, manifest)
        if not checked.ok:
            raise RetentionError(f"the archive {dest.name} does not read back as written: {checked.reason}")
        return manifest

    async def remove(self, name: str, archived: Archived) -> Note | None:
        self.sizes.forget(name)
        note = archived.note
        if archived.manifest is not None:
            note = await asyncio.get_running_loop().run_in_executor(None, self._remove_folder, name, archived)
        if self.unix_groups is not None:
            try:
                await asyncio.get_running_loop().run_in_executor(None, self.unix_groups, name)
            except (OSError, RuntimeError) as e:
                log.warning("project %s: unix group kept: %s", name, e)
                return note or Note(GROUP_KEPT, {"reason": explain(e)})
        return note

    def _remove_folder(self, name: str, archived: Archived) -> Note | None:
        folder = self.folder(name)
        try:
            changed = home_changed(folder, archived.manifest)
        except OSError as e:  # e.g. something mounted below it since
            changed = explain(e)
        if changed:
            log.warning("project %s: folder kept, %s", name, changed)
            return Note(FOLDER_KEPT, {"folder": str(folder), "reason": changed, "archive": archived.path})
        try:
            remove_tree(folder)  # shutil.rmtree recursed: RecursionError on a deep folder
        except OSError as e:
            log.warning("project %s: folder kept, %s", name, e)
            return Note(FOLDER_KEPT, {"folder": str(folder), "reason": explain(e), "archive": archived.path})
        log.info("project %s: folder %s removed", name, folder)
        return None


def unix_group_remover(config: dict):
    """The project's unix group's retirement (deploy/local/projects/groups.py: renamed to a tombstone that
    keeps its gid; a group that is not one CampusHub made is refused), for LocalStorage. The group is the
    one of this site's projects.root: another site's project of the same name has its own."""
    from ...deploy.local.projects.groups import remove_group, site_root

    return partial(remove_group, root=site_root(section.root(config)))


def unix_group_gid(config: dict):
    """name -> the gid of the project's unix group on this site's root, or None (deploy/local/projects/
    groups.py), for LocalStorage."""
    from ...deploy.local.projects.groups import current_gid, site_root

    return partial(current_gid, root=site_root(section.root(config)))
