"""Attacks on starting a local server that a learner can time from their
browser: a stop while the start is in a thread of the hub. Real processes
(the log relay), no hub: the spawner's own start steps are driven directly."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
import time
from types import SimpleNamespace

import pytest
from jupyterhub.objects import Hub

from campushub.deploy.local.spawner import log_cap
from campushub.deploy.local.spawner.system_user import SystemUserSpawner


def _pipes_open() -> set[int]:
    found = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            st = os.stat(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if stat.S_ISFIFO(st.st_mode):
            found.add(st.st_ino)
    return found


def test_a_stop_while_the_log_relay_starts_leaves_no_pipe_open_in_the_hub(tmp_path, monkeypatch):
    """JupyterHub cancels a start when its learner stops the server. The log
    relay (a root process) was being started in a thread; its pipe's write
    end then stayed open in the hub for good, and so the relay ran for good:
    one fd of the hub and one root process per well-timed start and stop."""
    entered, go, made = threading.Event(), threading.Event(), []
    real = log_cap.capped

    def slow_capped(log_fd, cap=log_cap.CAP):
        entered.set()
        go.wait(30)  # a busy machine's relay start, long enough to cancel in
        out = real(log_fd, cap)
        made.append(os.fstat(out).st_ino)
        return out

    monkeypatch.setattr(log_cap, "capped", slow_capped)
    user = SimpleNamespace(name="kim", id=1, url="/user/kim/", groups=[], spawners={})
    spawner = SystemUserSpawner(user=user, hub=Hub(), log_dir=str(tmp_path / "logs"))

    async def start_then_stop():
        task = asyncio.create_task(spawner._launch())
        await asyncio.to_thread(entered.wait, 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        go.set()
        deadline = time.monotonic() + 30
        while not made or made[0] in _pipes_open():
            assert time.monotonic() < deadline, "the relay's write end stayed open in the hub"
            await asyncio.sleep(0.02)

    try:
        asyncio.run(start_then_stop())
    finally:
        go.set()
