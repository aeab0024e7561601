"""What a local server start does for the person's projects (SystemUserSpawner.start).

Before the server is launched: the groups of the person's current projects
exist, the folders exist, `~/projects/<name>` links to them are made as the
person, and `spawner.project_gids` holds the gids the launch adds to the
account's own groups (the exec path's preexec and the fork request), also
for the links' and course sync's processes. Nobody is listed in a project
group in /etc/group: the hub's groups, read at each start, are the only
membership. Servers already running keep the gids they started with, so a
removal takes effect as each of the person's servers restarts; the folders
the person left get their files handed to root (leaving.py).

A project that cannot be opened (its group name taken by a group that is
not ours, a broken root, a root another site claimed (claim.py), a folder
kept from a deleted project of that name) is left out with a note on the
progress page; the server starts with the others.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import threading
from pathlib import Path

from ....config import projects as projects_config
from ....i18n import N_
from ....projects import model
from . import claim, folders, groups, home_links, leaving, migrate, roots

NOT_AVAILABLE = N_("The folder of project {project} could not be opened; tell an administrator.")
TAKEN = N_("{path} in your home is taken by something of yours, so your project folder is not linked there; it is at {folder}.")  # noqa: E501
LINKS_TIMEOUT = 30


def _python(spawner) -> str:
    # the shared environment's interpreter is every account's to run; the hub's may not be
    return os.path.join(spawner.env_dir, "bin", "python3") if spawner.env_dir else sys.executable


def _usable(spawner, root: str, names: list[str], notes: list) -> dict[str, int]:
    """The gids of the projects that can be opened (caller holds the accounts lock)."""
    gids = {}
    for name in names:
        try:
            gids[name] = groups.ensure_group(name, root).gr_gid
        except RuntimeError as e:  # NotOurs, or groupadd failing
            spawner.log.error("Project %s left out of %s's start: %s", name, spawner.user.name, e)
            notes.append((NOT_AVAILABLE, {"project": name}))
    return gids


def _folders(spawner, root_fd: int, gids: dict[str, int], notes: list) -> dict[str, int]:
    made = {}
    for name, gid in gids.items():
        try:
            folders.ensure_folder(root_fd, name, gid)
            made[name] = gid
        except (OSError, RuntimeError) as e:  # FolderError, MissingTool
            spawner.log.error("Project folder %s for %s: %s", name, spawner.user.name, e)
            notes.append((NOT_AVAILABLE, {"project": name}))
    return made


def _links(spawner, home: str, root: Path, names: list[str], notes: list) -> None:
    if not names and not os.path.lexists(os.path.join(home, home_links.FOLDER)):
        return  # nothing to make, nothing of ours to remove: no process to start
    source = Path(home_links.__file__).read_text()
    env = {"HOME": home, "USER": spawner.unix_name, "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}
    try:
        result = subprocess.run([_python(spawner), "-I", "-c", source, home, str(root), *names],
                                preexec_fn=spawner.make_preexec_fn(spawner.unix_name), env=env,
                                capture_output=True, text=True, timeout=LINKS_TIMEOUT)
        report = json.loads(result.stdout) if result.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        result, report = None, None
        spawner.log.warning("Project links of %s not updated: %s", spawner.user.name, e)
    if report is None:
        if result is not None:
            spawner.log.warning("Project links of %s not updated: %s", spawner.user.name, result.stderr.strip())
        return
    for path, name in report["taken"]:
        notes.append((TAKEN, {"path": "~/" + path, "folder": str(folders.folder(root, name))}))
    if report["linked"] or report["removed"]:
        spawner.log.info("Project links of %s: made %s, removed %s", spawner.user.name,
                         report["linked"], report["removed"])


def enabled(spawner) -> bool:
    # a plain jupyterhub_config.py may give the spawner no site configuration, so no projects root
    return "projects" in (spawner.site_config or {})


def wanted(spawner) -> list[str]:
    """The person's projects whose names are safe in paths and group names (on the event loop: the ORM).
    Also notes for prepare() whether another server of theirs runs, and, for the first start of this
    hub process, every project's name (migrate.py)."""
    names = []
    for name in model.projects_of(spawner.user) if enabled(spawner) else ():
        try:
            model.check_name(name)
        except ValueError as e:
            spawner.log.error("Hub group %s is marked as a project but left out: %s", name, e)
            continue
        names.append(name)
    others = getattr(spawner.user, "spawners", {}).values()
    spawner.projects_busy = any(s is not spawner and s.active for s in others)
    spawner.all_projects = None if migrate.done() or not enabled(spawner) else _every_project(spawner)
    return names


def _every_project(spawner) -> list[str] | None:
    db = getattr(spawner.user, "db", None)  # the User wrapper's session (Spawner.db is deprecated)
    if db is None:
        return None
    from jupyterhub import orm

    return [g.name for g in db.query(orm.Group) if model.is_project(g.properties)]


def _open(spawner, root: Path, names: list[str], notes: list) -> int | None:
    try:
        root_fd = folders.open_root(root)
    except (OSError, RuntimeError) as e:  # FolderError, MissingTool
        spawner.log.error("No project folders for %s: %s", spawner.user.name, e)
        notes.extend((NOT_AVAILABLE, {"project": name}) for name in names)
        return None
    data_dir = spawner.site_config.get("data_dir")  # none in a plain jupyterhub_config.py's
    try:
        if data_dir and not names and claim.owner(root_fd) is None:
            # a root nobody claimed, and no project to claim it for: it may be another site's whose page is
            # off, whose groups (owning its folders) this site's migration would take for its own
            os.close(root_fd)
            return None
        other = claim.claim(root_fd, data_dir) if data_dir else None
        if data_dir and other is None:
            roots.record(root)
    except (OSError, RuntimeError) as e:  # FolderError: a marker or record planted by someone else
        os.close(root_fd)
        spawner.log.error("No project folders for %s: %s", spawner.user.name, e)
        notes.extend((NOT_AVAILABLE, {"project": name}) for name in names)
        return None
    if other is not None:
        # its groups and folders are the other site's: nothing of them is touched or given
        os.close(root_fd)
        if names:  # a person with no project here has lost nothing: no line at each of their starts
            spawner.log.error("No project folders for %s: %s", spawner.user.name,
                              claim.REFUSED.format(root=root, other=other))
        notes.extend((NOT_AVAILABLE, {"project": name}) for name in names)
        return None
    return root_fd


def prepare(spawner, names: list[str], home: str, lock: threading.Lock) -> list[tuple[str, dict]]:
    """Groups, folders and links for these projects (checked names); notes (message, values) for the person."""
    notes: list[tuple[str, dict]] = []
    spawner.project_gids = []
    if not enabled(spawner):
        return notes
    root = projects_config.root(spawner.site_config)
    if not names and not os.path.lexists(root):
        # no project of theirs and none ever opened on this site (no root: nothing held, nothing to
        # migrate): a site that does not use projects gets no projects root made at every start
        return notes
    root_fd = _open(spawner, root, names, notes)
    if root_fd is None:
        return notes
    qualifier = groups.site_root(root)
    try:
        with lock:
            try:
                migrate.migrate(root_fd, qualifier, getattr(spawner, "all_projects", None), spawner.log)
            except (OSError, RuntimeError) as e:  # tried again at the next start
                spawner.log.error("Project groups not brought up to date: %s", e)
            gids = _usable(spawner, qualifier, names, notes)
        made = _folders(spawner, root_fd, gids, notes)
        uid = pwd.getpwnam(spawner.unix_name).pw_uid
        leaving.update(root_fd, spawner.unix_name, uid, made, getattr(spawner, "projects_busy", False),
                       lock, spawner.log)
    finally:
        os.close(root_fd)
    spawner.project_gids = sorted(set(made.values()))
    _links(spawner, home, root, sorted(made), notes)
    return notes
