"""Retention's busy check (retention_homes.processes_of) counts living processes of an account, not
zombies: a process that has exited but not been reaped runs nothing and holds no files, and a server
just killed leaves some for a moment (the next account given that uid looked busy)."""

from __future__ import annotations

import os

from campushub.deploy.local.retention_homes import processes_of

from ...harness import wait_for

UID = 64999  # no account has it: only this test's processes


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/status") as f:
        return next(line for line in f if line.startswith("State:")).split()[1]


def test_a_living_process_counts_and_a_zombie_does_not():
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: becomes the account, waits until told, then exits unreaped
        os.close(write_end)
        os.setgid(UID)
        os.setuid(UID)
        os.read(read_end, 1)
        os._exit(0)
    os.close(read_end)
    try:
        wait_for(lambda: processes_of(UID) == 1, 10, "the child to run as the account")
        os.write(write_end, b"x")
        wait_for(lambda: _state(pid) == "Z", 10, "the child to become a zombie")
        assert processes_of(UID) == 0
    finally:
        os.close(write_end)
        os.waitpid(pid, 0)
