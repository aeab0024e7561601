"""One notebook, run in a sandbox and measured.

bubblewrap gives it a private copy of the course as its only writable place
(everything else read-only), no network unless asked, and — run by root — the
`nobody` account, so an author's notebook never runs with our rights. A
cgroup per run caps memory, CPU and processes and is where CPU time and peak
memory are read from; without cgroups (not root) the process tree's RSS is
sampled instead.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from ...hub.spawners import cgroups

RUNNER = Path(__file__).with_name("runner.py")
SAMPLE_SECONDS = 0.1


@dataclass(frozen=True)
class Limits:
    memory: int = 2 * 2**30
    cpu: float = 1.0
    pids: int = 512
    timeout: int = 300            # whole notebook, seconds
    network: bool = False


@dataclass
class Result:
    notebook: str
    status: str                   # passed | failed | timeout | died | error
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_memory: int = 0
    cell: int | None = None
    ename: str = ""
    evalue: str = ""
    source: str = ""
    error: str = ""
    log: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _nobody() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def _command(python: str, work: Path, scratch: Path, notebook: Path, limits: Limits) -> list[str]:
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
           "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
           "--bind", str(scratch), str(scratch), "--chdir", str(work.parent)]
    if limits.network:
        cmd.append("--share-net")
    for name, value in (("HOME", scratch), ("JUPYTER_RUNTIME_DIR", scratch / ".runtime"),
                        ("IPYTHONDIR", scratch / ".ipython"), ("MPLCONFIGDIR", scratch / ".mpl"),
                        ("TMPDIR", scratch / ".tmp")):
        cmd += ["--setenv", name, str(value)]
    return [*cmd, python, str(scratch / ".runner.py"), str(work), str(scratch / "executed.ipynb"), str(limits.timeout)]


class _Meter:
    """Peak memory and CPU time of a run: from its cgroup, else by sampling."""

    def __init__(self, limits: Limits):
        self.name = f"content-check-{uuid.uuid4().hex[:12]}"
        try:
            self.backend = cgroups.detect() if os.geteuid() == 0 else None
        except cgroups.CgroupUnavailable:
            self.backend = None
        self.procs_files: list[str] = []
        if self.backend is not None:
            self.backend.create(self.name, cgroups.Limits(cpu=limits.cpu, memory=limits.memory, pids=limits.pids))
            self.procs_files = self.backend.procs_files(self.name)
        self.peak, self.cpu, self._stop = 0, 0.0, threading.Event()

    def watch(self, pid: int) -> None:
        if self.backend is None:
            threading.Thread(target=self._sample, args=(pid,), daemon=True).start()

    def _sample(self, pid: int) -> None:
        try:
            root = psutil.Process(pid)
        except psutil.NoSuchProcess:
            return
        seen: dict[int, float] = {}
        while not self._stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                    t = p.cpu_times()
                    seen[p.pid] = t.user + t.system + t.children_user + t.children_system
                except psutil.NoSuchProcess:
                    pass
            self.peak = max(self.peak, rss)
            self.cpu = max(self.cpu, sum(seen.values()))
            self._stop.wait(SAMPLE_SECONDS)

    def kill_all(self) -> None:
        if self.backend is not None:
            for pid in self.backend.usage(self.name)["pids"]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def finish(self) -> tuple[int, float]:
        self._stop.set()
        if self.backend is not None:
            usage = self.backend.usage(self.name)
            peak = self.backend.peak_memory(self.name)
            self.kill_all()
            deadline = time.monotonic() + 10
            while self.backend.usage(self.name)["pids"] and time.monotonic() < deadline:
                time.sleep(0.05)
            self.backend.remove(self.name)
            return peak, usage["cpu_seconds"]
        return self.peak, self.cpu


def run(course: Path, notebook: str, python: str, limits: Limits, scratch_root: Path) -> Result:
    """Run `notebook` (relative to `course`) on a private copy of the course."""
    scratch = Path(tempfile.mkdtemp(prefix="nb-", dir=scratch_root))
    shutil.copytree(course, scratch / "course", symlinks=True, ignore=shutil.ignore_patterns(".git"))
    for sub in (".runtime", ".ipython", ".mpl", ".tmp"):
        (scratch / sub).mkdir()
    # A copy: CampusHub itself may be installed where `nobody` cannot read.
    shutil.copyfile(RUNNER, scratch / ".runner.py")
    account = _nobody()
    if account:
        for root, dirs, files in os.walk(scratch):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.lchown(name, *account)
    meter = _Meter(limits)

    def preexec():
        cgroups.join(meter.procs_files)  # while still root: the limits cover everything after
        if account:
            os.setgroups([])
            os.setgid(account[1])
            os.setuid(account[0])

    started = time.monotonic()
    proc = subprocess.Popen(_command(python, scratch / "course" / notebook, scratch, Path(notebook), limits),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec)
    meter.watch(proc.pid)
    try:
        out, err = proc.communicate(timeout=limits.timeout + 30)  # cells time out first, inside
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        meter.kill_all()
        out, err = proc.communicate()
        timed_out = True
    wall = time.monotonic() - started
    peak, cpu = meter.finish()
    result = Result(notebook, "error", round(wall, 2), round(cpu, 2), peak, log=err.splitlines()[-20:])
    if timed_out:
        result.status, result.error = "timeout", f"no result after {limits.timeout + 30} s"
    else:
        outcome = _outcome(out)
        if outcome is None:
            oom = "MemoryError" in err or proc.returncode in (-9, 137)
            result.status = "died"
            result.error = (f"ran out of memory (limit {limits.memory // 2**20} MiB)" if oom
                            else f"exited with status {proc.returncode}")
        else:
            for key, value in outcome.items():
                setattr(result, key, value)
    shutil.rmtree(scratch, ignore_errors=True)
    return result


def _outcome(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "status" in value:
            return value
    return None
