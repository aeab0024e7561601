"""The `campushub-fork` kernel provisioner: jupyter_client's LocalProvisioner, but
this environment's own Python kernels are forked from the zygote (kernel_fork.py).

Laid into each environment as campushub_kernel_fork/kernel_provisioner.py
and found by the entry point of the campushub_kernel_fork dist-info
(singleuser/files.py). The server's config chooses it only when it holds a
zygote; every other launch (another kernelspec or command, an environment
with interpreter-level PYTHON* variables, no or a dead zygote) is
LocalProvisioner's own exec. A forked kernel is represented by a Popen-like
object, so LocalProvisioner's poll, wait, signals (SIGINT to the kernel's
process group for interrupts), kill, terminate, restart and cleanup apply
unchanged.
"""

from __future__ import annotations

import array
import asyncio
import json
import os
import select
import signal
import socket
import subprocess
import time
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

from . import kernel_fork

LAUNCH_TIMEOUT = 30
# what a launch may carry besides these is Popen's business: exec'd
_FORKABLE_KWARGS = {"env", "cwd", "kernel_id"}


class ForkedKernel:
    """A kernel the zygote forked, for LocalProvisioner as if it were a Popen.

    The zygote is its parent: the exit status comes over the launch's connection,
    signals go through the pidfd, so a recycled pid is never signalled.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int | None, conn: socket.socket):
        self.pid, self._pidfd, self._conn = pid, pidfd, conn
        self.returncode: int | None = None

    def __del__(self):
        if self._pidfd is not None:  # dropped while running: the kernel is the server's to end
            try:
                os.close(self._pidfd)
            except (OSError, TypeError):  # TypeError: os is being torn down at exit
                pass

    def poll(self) -> int | None:
        if self.returncode is None:
            self._collect(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            self._collect(1 if left is None else min(left, 1))
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is not None:
            return  # as Popen: never a signal to a pid that may be someone else's by now
        if self._pidfd is not None:
            signal.pidfd_send_signal(self._pidfd, signum)
        else:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def _collect(self, timeout: float) -> None:
        if self._conn is not None:
            if not select.select([self._conn], [], [], timeout)[0]:
                return
            try:
                data = self._conn.recv(4096)
            except OSError:
                data = b""
            if data:
                message = json.loads(data)
                if "exit" in message:
                    self._finish(int(message["exit"]))
                return
            # The zygote is gone (it is killed with its server): only the pidfd can tell the end.
            self._conn.close()
            self._conn = None
            timeout = 0
        if self._pidfd is None or select.select([self._pidfd], [], [], timeout)[0]:
            self._finish(1)  # the status went with the zygote

    def _finish(self, status: int) -> None:
        self.returncode = status
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


class ForkProvisioner(LocalProvisioner):
    """LocalProvisioner whose kernels of this environment's python3 kernelspec come from the zygote."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        zygote = kernel_fork.zygote()
        reason = self._why_not(zygote, cmd, kwargs)
        if reason is None:
            try:
                process = await _fork(zygote, cmd, kwargs, self.kernel_id)
            except OSError as e:
                reason = f"the zygote failed: {e}"
                if isinstance(e, (BrokenPipeError, ConnectionError, TimeoutError)):
                    kernel_fork.forget_zygote()
            else:
                self.process, self.pid, self.pgid = process, process.pid, process.pid  # own session
                self.cwd = kwargs.get("cwd") or os.getcwd()
                self.log.info("Kernel %s forked from the warm zygote (pid %d)", self.kernel_id, process.pid)
                return self.connection_info
        self.log.info("Kernel %s exec'd: %s", self.kernel_id, reason)
        return await super().launch_kernel(cmd, **kwargs)

    @staticmethod
    def _why_not(zygote: socket.socket | None, cmd: list[str], kwargs: dict) -> str | None:
        if zygote is None:
            return "no zygote"
        odd = sorted(k for k, v in kwargs.items() if k not in _FORKABLE_KWARGS and v is not None)
        if odd:
            return f"the launch sets {odd[0]}"
        return kernel_fork.why_not(cmd, kwargs.get("env") or dict(os.environ))


async def _fork(zygote: socket.socket, cmd: list[str], kwargs: dict, kernel_id: str) -> ForkedKernel:
    env = kwargs.get("env")
    request = json.dumps({"argv": list(cmd), "env": dict(os.environ if env is None else env),
                          "cwd": str(kwargs.get("cwd") or os.getcwd()), "kernel_id": kernel_id}).encode()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        # the kernel's stdout and stderr are the server's, as for an exec'd kernel
        zygote.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                    array.array("i", [theirs.fileno(), *_stdio()]))])
        theirs.close()
        await _readable(ours, LAUNCH_TIMEOUT)
        data, fds, _, _ = socket.recv_fds(ours, 65536, 1)
        message = json.loads(data or b"{}")
        if "pid" not in message:
            for fd in fds:
                os.close(fd)
            raise OSError(message.get("error") or "no answer")
        return ForkedKernel(int(message["pid"]), fds[0] if fds else None, ours)
    except BaseException:
        theirs.close()
        ours.close()
        raise


def _stdio() -> list[int]:
    fds = []
    for fd in (1, 2):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            break  # the zygote's child puts /dev/null there instead
    return fds


async def _readable(sock: socket.socket, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(sock.fileno(), lambda: ready.done() or ready.set_result(None))
    try:
        await asyncio.wait_for(ready, timeout)
    except TimeoutError:
        raise TimeoutError(f"no answer from the zygote in {timeout} s") from None
    finally:
        loop.remove_reader(sock.fileno())
