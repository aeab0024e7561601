"""The root side of one grading worker: its runner process (kernel_runner.py
in the environment's Python, in a mount namespace of its own) and the
kernels it keeps ready.

While a notebook runs on one kernel, the next one is already starting in a
new sandbox and cgroup, so a submission never waits for an interpreter to
start and a kernel never serves two submissions. Each kernel's cgroup is
this side's: at the end of a notebook (or of its time) everything in it is
killed, whatever the runner reports.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from ...content.check import sandbox
from ...content.check.meter import Meter, cgroups  # the spawner's cgroups module, as the meter uses it

RUNNER = Path(__file__).with_name("kernel_runner.py")
PREFIX = "grading-"            # cgroup names: grading-<grader's tag>-<pid>-<random>
STARTUP = 90                   # seconds a kernel may take to answer (two start at once on a busy machine)
GRACE = 20                     # seconds the runner has to report after a notebook's time ran out
RUNNER_MEMORY = 2 * 2**30      # the runner's own address space; outputs it holds come on top
KERNEL_SLACK = 2 * 2**30       # address space beyond the memory limit: libraries reserve more than they use
TAIL = 8192
_ids = itertools.count(1)


@dataclass
class Settings:
    python: str
    limits: sandbox.Limits
    scratch_root: Path
    max_output: int
    hide: tuple[Path, ...] = ()
    keep: tuple[Path, ...] = ()
    tag: str = ""  # the grader's, in its cgroups' names


@dataclass
class Unit:
    """One notebook to execute: the merged notebook (nbformat JSON) and the files around it."""
    notebook: str
    files: dict[str, bytes]
    future: Future = field(default_factory=Future)


class RunnerGone(RuntimeError):
    pass


def remove_stale(hierarchy) -> list[str]:
    """Empty grading cgroups of processes that are gone (a service killed with SIGKILL leaves them; its
    kernels died with their runner) removed; returns their names. Nothing in them is killed: a grader in
    another pid namespace (a second pod on the node) has pids this one cannot see, and a cgroup that still
    holds processes is not removed by the kernel anyway."""
    bases = hierarchy.mounts.values() if hierarchy.version == 1 else [hierarchy.root]
    names = {p.name for base in bases if (Path(base) / cgroups.PARENT).is_dir()
             for p in (Path(base) / cgroups.PARENT).iterdir() if p.name.startswith(PREFIX)}
    stale = []
    for name in sorted(names):
        pid = name.rsplit("-", 2)[-2]  # grading-<tag>-<pid>-<random>
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}") and not hierarchy.usage(name)["pids"]:
            hierarchy.remove(name)
            stale.append(name)
    return stale


def required_tools() -> dict[str, str]:
    """unshare and mount (the runner's private scratch), by absolute path; Unavailable names the package."""
    return {name: sandbox.tool(name, package) for name, package in (("unshare", "util-linux"), ("mount", "mount"))}


class Worker:
    def __init__(self, index: int, settings: Settings, jobs: queue.Queue, hierarchy):
        self.index, self.settings, self.jobs, self.hierarchy = index, settings, jobs, hierarchy
        self.uid, self.gid = sandbox.account()
        self.proc: subprocess.Popen | None = None
        self.inbox: queue.Queue = queue.Queue()
        self.stash: dict[tuple[str, int], dict] = {}
        self.log: deque[bytes] = deque(maxlen=64)
        self.slots: dict[int, Meter] = {}
        self.closing = False
        self.thread = threading.Thread(target=self._loop, name=f"grading-worker-{index}", daemon=True)

    # -- the runner process --------------------------------------------------

    def _spawn(self) -> None:
        s = self.settings
        tools = required_tools()
        mount = (f"{tools['mount']} -t tmpfs -o size={2 * s.limits.memory + 2**28},mode=0700 "
                 f"campushub-grading {s.scratch_root}")
        read_end, write_end = os.pipe()
        cap = RUNNER_MEMORY + s.limits.memory + 2 * s.max_output
        try:
            self.proc = subprocess.Popen(
                [tools["unshare"], "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                 f'{mount} && exec "$@"', "sh", s.python, "-I", str(RUNNER), str(write_end), str(cap),
                 str(s.scratch_root)],  # named so that ps shows whose runner it is
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=(write_end,),
                start_new_session=True, cwd="/",
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(s.scratch_root),
                     "JUPYTER_PLATFORM_DIRS": "1"})
        finally:
            os.close(write_end)
        self.inbox = queue.Queue()
        self.stash = {}
        threading.Thread(target=self._read, args=(read_end, self.inbox), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()

    def _read(self, fd: int, inbox: queue.Queue) -> None:
        limit = 4 * self.settings.max_output + 2**28
        with os.fdopen(fd, "rb") as channel:
            while True:
                line = channel.readline(limit)
                if not line.endswith(b"\n"):
                    break  # the runner ended, or broke the protocol with a line without end
                try:
                    inbox.put(json.loads(line))
                except ValueError:
                    break
        inbox.put({"op": "gone"})

    def _drain(self, stream) -> None:
        """The runner's (and its kernels') stderr: kept as a short tail, so that nothing blocks on it."""
        while chunk := stream.read1(65536):
            self.log.append(chunk)

    def _send(self, message: dict) -> None:
        try:
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise RunnerGone("the grading runner stopped") from None

    def _wait(self, op: str, ident: int, timeout: float) -> dict | None:
        """The runner's `op` answer for kernel `ident`, or None when `timeout` passed."""
        if (op, ident) in self.stash:
            return self.stash.pop((op, ident))
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.inbox.get(timeout=left)
            except queue.Empty:
                return None
            if message.get("op") == "gone":
                self.inbox.put(message)
                raise RunnerGone("the grading runner stopped")
            if (message.get("op"), message.get("id")) == (op, ident):
                return message
            self.stash[(message.get("op"), message.get("id"))] = message
        return None

    def abort(self) -> None:
        """From another thread (Grader.close): the runner and every kernel killed now, so that a notebook
        still running fails at once (RunnerGone) instead of being waited for; no new runner starts."""
        self.closing = True
        proc = self.proc
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for meter in list(self.slots.values()):
            meter.kill_all()

    def _stop_runner(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        try:
            self.proc.stdin.close()  # flushes: a runner killed while starting has no reader left (BrokenPipeError)
        except OSError:
            pass
        self.proc = None
        for ident in list(self.slots):
            self._drop(ident)

    # -- kernels ---------------------------------------------------------------

    def _warm(self) -> int:
        """Start a kernel in a new sandbox and cgroup; its id (answered "warmed" later)."""
        s, ident = self.settings, next(_ids)
        meter = self.slots[ident] = Meter(s.limits, self.hierarchy, f"{PREFIX}{s.tag}-")
        scratch = s.scratch_root / f"k{ident}"
        cmd = sandbox.command(scratch, scratch / "work", s.limits, meter.procs_files, hide=s.hide, keep=s.keep,
                              address_space=s.limits.memory + KERNEL_SLACK, sockets=True)
        self._send({"op": "warm", "id": ident, "scratch": str(scratch), "sandbox": cmd, "python": s.python,
                    "uid": self.uid, "gid": self.gid, "max_output": s.max_output})
        return ident

    def _drop(self, ident: int) -> None:
        """Everything of kernel `ident` killed, its cgroup removed, its scratch removed by the runner."""
        meter = self.slots.pop(ident, None)
        if meter is not None:
            meter.remove()
        if self.proc is not None:
            try:
                self._send({"op": "clean", "id": ident})
            except RunnerGone:
                pass

    def _execute(self, ident: int, unit: Unit) -> None:
        s = self.settings
        warmed = self._wait("warmed", ident, STARTUP)
        if warmed is None or warmed.get("error"):
            raise RunnerGone((warmed or {}).get("error") or "the kernel did not start in time")
        files = {path: base64.b64encode(data).decode() for path, data in unit.files.items()}
        self._send({"op": "run", "id": ident, "notebook": unit.notebook, "files": files,
                    "timeout": s.limits.timeout, "max_output": s.max_output})

    def _finish(self, ident: int) -> dict:
        limit = self.settings.limits.timeout + GRACE
        done = self._wait("done", ident, limit)
        if done is None:  # the notebook outlived its time: its kernel goes, the runner reports what ran
            self.slots[ident].kill_all()
            done = self._wait("done", ident, GRACE)
        if done is None:
            raise RunnerGone("the grading runner did not answer")
        return done

    # -- the loop --------------------------------------------------------------

    def _loop(self) -> None:
        spare, broken = None, None
        while True:
            if self.proc is None and not self.closing:  # a runner and a kernel ready before the next submission
                try:
                    self._spawn()
                    spare, broken = self._warm(), None
                except (RunnerGone, OSError, sandbox.Unavailable) as e:
                    self._stop_runner()
                    broken = e
            unit = self.jobs.get()
            if unit is None:
                break
            if not unit.future.set_running_or_notify_cancel():
                continue
            try:
                if self.closing:
                    raise RunnerGone("the grader was closed")
                if broken is not None:
                    raise RunnerGone(f"the grading runner could not start: {broken}")
                ident, spare = spare, None
                self._execute(ident, unit)
                spare = self._warm()  # the next submission's kernel starts while this one runs
                done = self._finish(ident)
                self._drop(ident)
                unit.future.set_result(done)
            except (RunnerGone, OSError) as e:
                tail = b"".join(self.log).decode(errors="replace").strip().splitlines()[-1:]
                self._stop_runner()
                spare = None
                unit.future.set_exception(RunnerGone(f"{e}{': ' + tail[0][:300] if tail else ''}"))
            except BaseException as e:  # never leave a caller waiting for ever
                unit.future.set_exception(e)
                raise
        self._stop_runner()
