"""What is left when a local server ends: processes in its cgroup, the
cgroup itself, its GPUs. The same on the exec and the fork path, since
both put the server and everything it starts into the server's cgroup."""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import time

from . import cgroups, gpus


class Cleanup:
    """Mixin above the process handling (fork_path.Tracking, LocalProcessSpawner)."""

    async def poll(self):
        status = await super().poll()
        # during a start the cgroup exists before the process does
        if status is not None and not self._spawn_pending:
            # The server died on its own (the OOM killer, a crash): JupyterHub
            # will not call stop(), and its kernels must not keep its private
            # /tmp and memory alive.
            await asyncio.to_thread(self._kill_leftovers)
            self._release()
        return status

    async def stop(self, now=False):
        await super().stop(now=now)
        # Kernels and terminals can outlive a server that was killed; nothing
        # of a stopped server may keep using its share of the machine.
        await asyncio.to_thread(self._kill_leftovers)
        self._release()

    def _kill_leftovers(self) -> None:
        try:
            backend = cgroups.detect()
        except cgroups.CgroupUnavailable:
            return
        deadline = time.monotonic() + 10
        while (pids := backend.usage(self.cgroup_name)["pids"]) and time.monotonic() < deadline:
            _kill_members(backend, self.cgroup_name, pids)
            time.sleep(0.05)

    def _release(self) -> None:
        gpus.release(self.cgroup_name)
        self.gpu_ids = []
        try:
            cgroups.detect().remove(self.cgroup_name)
        except cgroups.CgroupUnavailable:
            pass


def _kill_members(backend, name: str, listed: list[int]) -> None:
    """SIGKILL the processes of `listed` that are still in the cgroup.

    A listed process may have ended since, and the learner, cycling the pid
    space, may have handed its pid to another account's process. So a pidfd
    is opened for each pid first, the cgroup is listed again, and only pids
    on both lists are signalled, through their pidfd: a pidfd names one
    process, so a later owner of the pid is never reached."""
    fds: dict[int, int | None] = {}
    for pid in listed:
        try:
            fds[pid] = os.pidfd_open(pid)
        except ProcessLookupError:
            pass
        except AttributeError:
            fds[pid] = None
        except OSError as e:
            if e.errno == errno.ENOSYS:  # before Linux 5.3: a plain kill right after the second listing
                fds[pid] = None
            # else (out of fds): the next round
    try:
        still = set(backend.usage(name)["pids"])
        for pid, fd in fds.items():
            if pid not in still:
                continue
            try:
                if fd is None:
                    os.kill(pid, signal.SIGKILL)
                else:
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
            except ProcessLookupError:
                pass
    finally:
        for fd in fds.values():
            if fd is not None:
                os.close(fd)
