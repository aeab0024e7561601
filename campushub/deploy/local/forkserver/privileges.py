"""Becoming the user for good: no_new_privs, then groups, gid and uid.

setres*id sets the real, effective and saved ids together, so no id of
root is left to switch back to; verify() then proves it from the kernel's
own view (/proc/self/status) instead of trusting the calls: every uid and
gid is the user's, the groups are exactly the requested ones, no
capability is permitted, effective or ambient, and no_new_privs is on.

Stdlib only (laid into the user environment); libc resolved at import,
because no_new_privs() also runs in the exec path's preexec_fn.
"""

from __future__ import annotations

import ctypes
import os

PR_SET_NO_NEW_PRIVS = 38
_prctl = ctypes.CDLL(None, use_errno=True).prctl


class PrivilegeError(RuntimeError):
    pass


def no_new_privs() -> None:
    if _prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(errno)}")


def drop(uid: int, gid: int, groups: list[int], real_gid: int | None = None) -> None:
    """real_gid: a real gid other than `gid` for the process to replace by `gid` itself (the saved one) after
    its exec. An exec with real and effective gids that differ leaves it non-dumpable, and ptrace needs all
    of them to match: no process of the account can attach to it between the exec and its own prctl."""
    real = gid if real_gid is None else real_gid
    if uid == 0 or gid == 0 or real == 0 or 0 in groups:
        raise PrivilegeError("refusing to run a server as root or in group root")
    os.setgroups(groups)
    os.setresgid(real, gid, gid)
    os.setresuid(uid, uid, uid)
    verify(uid, gid, groups, real)


def _status() -> dict[str, str]:
    with open("/proc/self/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def verify(uid: int, gid: int, groups: list[int], real_gid: int | None = None) -> None:
    status = _status()
    wrong = []
    if status["Uid"].split() != [str(uid)] * 4:
        wrong.append(f"uids {status['Uid']}")
    if status["Gid"].split() != [str(gid if real_gid is None else real_gid)] + [str(gid)] * 3:
        wrong.append(f"gids {status['Gid']}")
    if sorted(int(g) for g in status.get("Groups", "").split()) != sorted(set(groups)):
        wrong.append(f"groups {status.get('Groups', '')}")
    for cap in ("CapPrm", "CapEff", "CapAmb"):
        if int(status.get(cap, "0"), 16) != 0:
            wrong.append(f"{cap} {status[cap]}")
    if status.get("NoNewPrivs", "0").strip() != "1":
        wrong.append("no_new_privs is off")
    for regain in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.setgroups([0])):
        try:
            regain()
        except PermissionError:
            continue
        wrong.append("root could be regained")
        break
    if wrong:
        raise PrivilegeError("privileges were not dropped completely: " + ", ".join(wrong))
