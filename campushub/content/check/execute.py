"""Notebook runs: each on its own copy of the course, its kernel in the
sandbox and in its own cgroup, its runner (nbclient) outside both.

The outcome travels on a pipe that only the runner holds: the kernel is
started without it, runs as another account in another pid namespace, and so
can neither write to it nor kill the runner unnoticed (a runner that dies is
a failed notebook). `Runs.stop()` ends every run at once, for Ctrl-C and
SIGTERM.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from . import outcome as outcomes
from . import sandbox
from .meter import Meter
from .outcome import Result

RUNNER = Path(__file__).with_name("runner.py")
GRACE = 30          # seconds a notebook may run beyond its cell timeout: its kernel starting and stopping
TAIL = 8192         # bytes of the runner's stderr kept for the report
RUNNER_MEMORY = 2 * 2**30  # address space of nbclient itself; the notebook's outputs come on top


class Runs:
    def __init__(self, snapshot: Path, python: str, limits: sandbox.Limits, scratch_root: Path, hierarchy):
        self.snapshot, self.python, self.limits = snapshot, python, limits
        self.scratch_root, self.hierarchy = scratch_root, hierarchy
        self.uid, self.gid = sandbox.account()
        self._lock = threading.Lock()
        self._live: dict[int, tuple[subprocess.Popen, Meter]] = {}
        self.stopping = False

    def stop(self) -> None:
        """Kill every runner and everything in every run's cgroup; runs not yet started never start."""
        with self._lock:
            self.stopping = True
            live = list(self._live.values())
        for proc, meter in live:
            _kill_group(proc)
            meter.kill_all()

    def run(self, notebook: str) -> Result | None:
        """`notebook` (relative to the course) run and measured; None if stopped first."""
        if self.stopping:
            return None
        scratch = Path(tempfile.mkdtemp(prefix="nb-", dir=self.scratch_root))
        try:
            self._prepare(scratch)
            meter = Meter(self.limits, self.hierarchy)
            try:
                return self._run(notebook, scratch, meter)
            finally:
                meter.remove()
        except OSError as e:
            return Result(notebook, "error", error=outcomes.clean(f"could not run it: {e}"))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _prepare(self, scratch: Path) -> None:
        # from the private snapshot, which nothing but us can change: following its links is safe
        shutil.copytree(self.snapshot, scratch / "course", symlinks=True)
        for sub in (".sockets", ".runtime", ".ipython", ".mpl", ".tmp"):
            (scratch / sub).mkdir()
        for root, dirs, files in os.walk(scratch):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.lchown(name, self.uid, self.gid)
        os.chmod(scratch, 0o700)

    def _run(self, notebook: str, scratch: Path, meter: Meter) -> Result | None:
        cwd = (scratch / "course" / notebook).parent
        task = {"notebook": str(self.snapshot / notebook), "cwd": str(cwd), "python": self.python,
                "sockets_dir": str(scratch / ".sockets"), "cell_timeout": self.limits.timeout,
                "memory_cap": RUNNER_MEMORY + self.limits.memory,
                "uid": self.uid, "gid": self.gid,
                "sandbox": sandbox.command(scratch, cwd, self.limits, meter.procs_files)}
        read_end, write_end = os.pipe()
        started = time.monotonic()
        try:
            with self._lock:
                if self.stopping:
                    os.close(read_end)
                    return None
                proc = subprocess.Popen(
                    [self.python, "-I", str(RUNNER)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE, pass_fds=(write_end,), start_new_session=True, cwd=self.scratch_root,
                    env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.scratch_root),
                         "JUPYTER_PLATFORM_DIRS": "1"})
                self._live[proc.pid] = (proc, meter)
        except OSError:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        got_outcome = _reader(read_end, outcomes.MAX_OUTCOME)
        got_log = _reader(proc.stderr.fileno(), TAIL, tail=True)
        try:
            try:
                proc.stdin.write(json.dumps({**task, "outcome_fd": write_end}).encode())
                proc.stdin.close()
            except BrokenPipeError:
                pass  # the runner is gone already: no outcome, an error below
            try:
                proc.wait(timeout=self.limits.timeout + GRACE)
                timed_out = False
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                meter.kill_all()
                proc.wait()
                timed_out = True
        finally:
            if proc.poll() is None:
                _kill_group(proc)
                proc.wait()
            meter.kill_all()  # the kernel shares the runner's stderr: nothing may hold it open now
            raw, log = got_outcome(), got_log()
            with self._lock:
                self._live.pop(proc.pid, None)
            os.close(read_end)
            proc.stderr.close()
        if self.stopping:
            return None
        wall = time.monotonic() - started
        oom = meter.backend.usage(meter.name)["oom_kills"]
        peak, cpu = meter.finish()
        lines = [outcomes.clean(line) for line in log.decode(errors="replace").splitlines()[-20:]]
        result = Result(notebook, "error", round(wall, 2), round(cpu, 2), peak, log=lines)
        if timed_out:
            result.status, result.error = "timeout", f"no result after {self.limits.timeout + GRACE} s"
            return result
        for key, value in outcomes.parse(raw, proc.returncode).items():
            setattr(result, key, value)
        if result.status in ("died", "error") and oom:
            result.status, result.error = "died", f"ran out of memory (limit {self.limits.memory // 2**20} MiB)"
        return result


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _reader(fd: int, limit: int, tail: bool = False):
    """Read `fd` to its end in a thread, keeping at most `limit` bytes (the first, or the last)."""
    kept: deque[bytes] = deque()
    size = [0]

    def pump():
        try:
            _pump()
        except OSError:
            pass

    def _pump():
        while chunk := os.read(fd, 65536):
            kept.append(chunk)
            size[0] += len(chunk)
            while tail and size[0] - len(kept[0]) >= limit:
                size[0] -= len(kept.popleft())
            if not tail and size[0] >= limit:
                while os.read(fd, 65536):  # drain, so the writer never blocks
                    pass
                break

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()

    def result() -> bytes:
        thread.join()
        data = b"".join(kept)
        return data[-limit:] if tail else data[:limit]
    return result
