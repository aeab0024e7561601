"""What a process holds, read from /proc as root."""

from __future__ import annotations

import os

CHUNK = 16 * 2**20


def memory_contains(pid: int, needle: bytes) -> bool:
    """True if `needle` is anywhere in the process's readable memory."""
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            if not fields[1].startswith("r") or (len(fields) > 5 and fields[5].startswith("[v")):
                continue  # [vvar], [vsyscall]: not the process's data, and not readable this way
            start, end = (int(x, 16) for x in fields[0].split("-"))
            tail = b""
            for pos in range(start, end, CHUNK):
                try:
                    mem.seek(pos)
                    chunk = tail + mem.read(min(CHUNK, end - pos))
                except OSError:
                    break
                if needle in chunk:
                    return True
                tail = chunk[-len(needle):]
    return False


def environ(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/environ", "rb") as f:
        items = [item.split(b"=", 1) for item in f.read().split(b"\0") if item]
    return {k.decode(): v.decode() for k, v in items}


def fd_targets(pid: int) -> dict[int, str]:
    targets = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            targets[int(name)] = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            pass  # closed meanwhile
    return targets


def socket_inodes(pid: int) -> set[str]:
    return {t for t in fd_targets(pid).values() if t.startswith("socket:")}


def status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def stat_fields(pid: int) -> list[str]:
    """Fields 3.. of /proc/PID/stat (state, ppid, pgrp, session, ...)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            children.setdefault(int(stat_fields(int(name))[1]), []).append(int(name))
        except (OSError, IndexError):
            pass
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


