"""After a class: which way each server was started, and CampusHub's fork server parents."""

from __future__ import annotations

import psutil

from ..spawn.accounts import procs_of
from ..spawn.targets import CampusTarget, Target

FORKSERVER = "campushub_forkserver"


def forkserver_parents(target: Target) -> list[psutil.Process]:
    """This CampusHub's root fork server parents (their pages are shared with the servers they forked).

    Only this hub's: those whose command line names its data dir (the socket is under it) or that
    descend from its `campushub up`; other fork servers on the machine (tests) are not ours.
    """
    if not isinstance(target, CampusTarget):
        return []
    data_dir, up_pid = str(target.hub.data_dir), target.hub.proc.pid if target.hub.proc else None
    out = []
    for p in psutil.process_iter(["uids", "cmdline"]):
        try:
            cmd = " ".join(p.info["cmdline"] or ())
            if p.info["uids"].real != 0 or FORKSERVER not in cmd:
                continue
            if FORKSERVER in " ".join(p.parent().cmdline()):
                continue  # a child that has not dropped to its user yet
            if data_dir in cmd or up_pid in {q.pid for q in p.parents()}:
                out.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
            continue
    return out


def cpu_of(p: psutil.Process) -> float:
    try:
        t = p.cpu_times()
        return t.user + t.system
    except psutil.NoSuchProcess:
        return 0.0


def spawn_paths(uids: dict[str, int]) -> dict[str, str]:
    """Per learner: 'fork server' if the server's parent is a fork server, else 'exec'.

    The server is the account's oldest process (the kernel and any zygote are
    forked or started by it later).
    """
    by_uid: dict[int, psutil.Process] = {}
    for p in procs_of(set(uids.values())):
        try:
            uid = p.uids().real
            if uid not in by_uid or p.create_time() < by_uid[uid].create_time():
                by_uid[uid] = p
        except psutil.NoSuchProcess:
            continue
    out = {}
    for name, uid in uids.items():
        server = by_uid.get(uid)
        try:
            parent = " ".join(server.parent().cmdline()) if server else ""
        except (psutil.NoSuchProcess, AttributeError):
            parent = ""
        if server:
            out[name] = "fork server" if FORKSERVER in parent else "exec"
    return out


def spawn_log_lines(target: Target, offset: int, names: list[str]) -> dict[str, str]:
    """CampusHub's own word on each start's path: the last hub log line naming the learner and
    'fork server' or 'exec:' (the spawner says which path and why), from `offset` on."""
    if not isinstance(target, CampusTarget):
        return {}
    try:
        with open(target.hub_log(), errors="replace") as f:
            f.seek(offset)
            lines = [line for line in f if "fork server" in line or "exec:" in line]
    except OSError:
        return {}
    out = {}
    for name in names:
        for line in lines:
            if name in line:
                out[name] = line.strip()[-200:]
    return out
