"""The folders a person left, found and made safe at their start.

held.py remembers the folders (and gids) an account was given; a folder
given before and not now was left: removed from the project, or the project
deleted (its folder kept). Their files there are handed to root
(disown.py), so hard links they made to them stop working for them, and
they are taken out of every other entry's ACL and group (what other members
made where they could reach it, then linked). A
folder stays on the list while another server of theirs runs: it started
with the project's gid and can still make files there.

Putting projects.root on another file system than the homes is the stronger
fix: a hard link cannot cross file systems (EXDEV), so nothing of a project
is ever linked into a home in the first place.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

from . import disown, held

SECONDS = 60.0  # per folder and start; an unfinished walk is taken up again at the next start
_OPEN = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def left(before: dict[str, int], now: dict[str, int]) -> dict[str, int]:
    return {name: gid for name, gid in before.items() if now.get(name) != gid}


def own_groups(uid: int) -> list[int]:
    """The account's own groups (its primary one and those /etc/group lists it in); none once it is gone."""
    try:
        entry = pwd.getpwuid(uid)
    except KeyError:
        return []
    return os.getgrouplist(entry.pw_name, entry.pw_gid)


def _walk(fd: int, uid: int) -> dict:
    source = Path(disown.__file__).read_text()
    gids = ",".join(map(str, own_groups(uid)))
    result = subprocess.run([sys.executable, "-I", "-c", source, f"/proc/self/fd/{fd}", str(uid), str(SECONDS),
                             gids], pass_fds=(fd,), capture_output=True, text=True, timeout=SECONDS + 30)
    if result.returncode != 0:
        return {"changed": 0, "complete": False, "reason": result.stderr.strip()[-300:]}
    return json.loads(result.stdout)


def make_safe(root_fd: int, name: str, gid: int, uid: int, log) -> bool:
    """Disown uid's files in <root>/<name> if it is still that gid's folder; True when nothing is left to do."""
    try:
        fd = os.open(name, _OPEN, dir_fd=root_fd)
    except FileNotFoundError:
        return True  # deleted with its project
    try:
        if os.fstat(fd).st_gid != gid:
            return True  # not the folder that was left
        try:
            report = _walk(fd, uid)
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            report = {"changed": 0, "complete": False, "reason": str(e)}
    finally:
        os.close(fd)
    if report["changed"]:
        log.info("Project folder %s: %d entries handed to root or taken out of reach of uid %d (no longer a "
                 "member)",
                 name, report["changed"], uid)
    if not report["complete"]:
        log.error("Project folder %s: the files of uid %d (no longer a member) were not all handed to root "
                  "and taken out of his reach (%s); tried again at their next start, or as root: find <root>/%s -xdev "
                  "-user %d -exec chown root {} +, then setfacl -R -P -x u:%d and chmod -R o= on it",
                  name, uid, report["reason"], name, uid, uid)
    return report["complete"]


def update(root_fd: int, account: str, uid: int, now: dict[str, int], busy: bool, lock, log) -> None:
    """Record `now` for `account` and make the folders it left safe."""
    with lock:
        before = held.read(root_fd, account)
        gone = left(before, now)
        if {**gone, **now} != before:
            held.write(root_fd, account, {**gone, **now})
    done = {name for name, gid in gone.items() if make_safe(root_fd, name, gid, uid, log) and not busy}
    if done:
        with lock:
            record = held.read(root_fd, account)
            held.write(root_fd, account, {n: g for n, g in record.items() if n not in done or now.get(n) == g})

