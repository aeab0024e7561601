"""Whose kernel this is: KERNEL_USERNAME (set by the remote-kernels front to
the person whose hub token made the request, whatever the client sent) to
their unix account, and their project gids.

The launcher runs as root for whatever EG hands it, so it trusts nothing it
can check: root, system accounts, another hub user's account (the owner mark
useradd got, unix_users.owner_mark) and accounts outside the homes are
refused; project gids are only ever CampusHub project groups'."""

from __future__ import annotations

import os
import pwd
import re
from collections.abc import Mapping

from ....projects import model
from ..projects import groups
from ..spawner.unix_users import owner_mark, unix_name

UID_MIN = 1000  # login.defs' default: below it, system accounts
PROJECTS_VAR = "KERNEL_CAMPUSHUB_PROJECTS"  # the front's: the person's projects, comma-separated
_MARK = re.compile(r"^campushub [0-9a-f]{32}$")


class Refused(RuntimeError):
    """One line for EG's log and the front: why no kernel starts."""


def account(config: dict, hub_name: object) -> pwd.struct_passwd:
    if not isinstance(hub_name, str) or not hub_name or "/" in hub_name or len(hub_name) > 255:
        raise Refused("no KERNEL_USERNAME (the remote-kernels front sets it)")
    name = unix_name(hub_name, config["spawner"]["user_prefix"])
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise Refused(f"{hub_name} has no unix account ({name}) yet: start their server once") from None
    if entry.pw_uid < UID_MIN or entry.pw_gid == 0:
        raise Refused(f"{name} is a system account (uid {entry.pw_uid}); kernels run only as people's accounts")
    if _MARK.match(entry.pw_gecos or "") and entry.pw_gecos != owner_mark(hub_name):
        raise Refused(f"the unix account {name} belongs to another hub user")
    home_root = os.path.normpath(config["spawner"]["home_root"])
    if os.path.dirname(os.path.normpath(entry.pw_dir)) != home_root:
        raise Refused(f"{name}'s home {entry.pw_dir} is not under spawner.home_root ({home_root})")
    return entry


def project_gids(env: Mapping[str, str], root: str) -> list[int]:
    """The gids of the projects the front named that have a CampusHub group on this site's root (made at
    a member's start); root as groups.site_root gives it."""
    gids = set()
    for name in filter(None, (env.get(PROJECTS_VAR) or "").split(",")):
        try:
            model.check_name(name)
        except ValueError:
            continue
        gid = groups.current_gid(name, root)
        if gid is not None:
            gids.add(gid)
    return sorted(gids)


def ids(entry: pwd.struct_passwd, env: Mapping[str, str], root: str) -> tuple[int, int, list[int]]:
    """uid, gid and groups as a server start gives them (spawner/fork_path.launch_ids, not imported: it brings
    JupyterHub and SQLAlchemy, a second of every kernel's start): the account's groups plus its project gids."""
    groups = set(os.getgrouplist(entry.pw_name, entry.pw_gid)) | set(project_gids(env, root))
    return entry.pw_uid, entry.pw_gid, sorted(groups)
