"""What a local server start does for the person's projects (SystemUserSpawner.start).

Before the server is launched: the account joins exactly the unix groups of
the person's current projects and leaves the others, the folders exist, and
`~/projects/<name>` links to them are made as the person. The launch reads
the groups afresh (set_user_setuid's and the fork request's getgrouplist),
so the new server has them; servers already running keep the groups they
started with, so a removal takes effect at the person's next start.

A project that cannot be opened (its group name taken by a group that is
not ours, a broken root) is left out with a note on the progress page; the
server starts with the others.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from ....config import projects as projects_config
from ....i18n import N_
from ....projects import model
from . import folders, groups, home_links

NOT_AVAILABLE = N_("The folder of project {project} could not be opened; tell an administrator.")
TAKEN = N_("{path} in your home is taken by something of yours, so your project folder is not linked there; it is at {folder}.")  # noqa: E501
LINKS_TIMEOUT = 30


def _python(spawner) -> str:
    # the shared environment's interpreter is every account's to run; the hub's may not be
    return os.path.join(spawner.env_dir, "bin", "python3") if spawner.env_dir else sys.executable


def _usable(spawner, names: list[str], lock: threading.Lock, notes: list) -> dict[str, int]:
    """The gids of the projects that can be opened, with the account joined to exactly those."""
    gids = {}
    with lock:
        for name in names:
            try:
                gids[name] = groups.ensure_group(name).gr_gid
            except RuntimeError as e:  # NotOurs, or groupadd failing
                spawner.log.error("Project %s left out of %s's start: %s", name, spawner.user.name, e)
                notes.append((NOT_AVAILABLE, {"project": name}))
        joined, left = groups.set_memberships(spawner.unix_name, {groups.group_name(n) for n in gids})
    if joined or left:
        spawner.log.info("%s joined the project groups %s and left %s", spawner.unix_name, joined, left)
    return gids


def _folders(spawner, root: Path, gids: dict[str, int], notes: list) -> list[str]:
    try:
        root_fd = folders.open_root(root)
    except (OSError, RuntimeError) as e:  # FolderError, MissingTool
        spawner.log.error("No project folders for %s: %s", spawner.user.name, e)
        notes.extend((NOT_AVAILABLE, {"project": name}) for name in gids)
        return []
    made = []
    try:
        for name, gid in gids.items():
            try:
                folders.ensure_folder(root_fd, name, gid)
                made.append(name)
            except (OSError, RuntimeError) as e:  # FolderError, MissingTool
                spawner.log.error("Project folder %s for %s: %s", name, spawner.user.name, e)
                notes.append((NOT_AVAILABLE, {"project": name}))
    finally:
        os.close(root_fd)
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
    """The person's projects whose names are safe in paths and group names (on the event loop: the ORM)."""
    names = []
    for name in model.projects_of(spawner.user) if enabled(spawner) else ():
        try:
            model.check_name(name)
        except ValueError as e:
            spawner.log.error("Hub group %s is marked as a project but left out: %s", name, e)
            continue
        names.append(name)
    return names


def prepare(spawner, names: list[str], home: str, lock: threading.Lock) -> list[tuple[str, dict]]:
    """Groups, folders and links for these projects (checked names); notes (message, values) for the person."""
    notes: list[tuple[str, dict]] = []
    if not enabled(spawner):
        return notes
    root = projects_config.root(spawner.site_config)
    gids = _usable(spawner, names, lock, notes)
    made = _folders(spawner, root, gids, notes) if gids else []
    _links(spawner, home, root, made, notes)
    return notes
