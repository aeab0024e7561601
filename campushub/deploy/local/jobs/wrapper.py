"""The root side of one local job: `python -m campushub.deploy.local.jobs.wrapper` < spec (JSON).

The first process makes the job's cgroup (so a failure there is the caller's error), forks the
supervisor, prints its handle "PID:STARTTIME" and exits: the supervisor, in the session the
backend started it in, is nobody's child but init's, so it outlives the jobs service and the hub
and leaves no zombie behind in either. The supervisor starts the runner as the person
(person.py), waits for it, measures the cgroup as root (peak memory, OOM kills: the figures
the person's own code cannot touch), kills whatever the job left running, removes the cgroup
and records the outcome where the service reads it: `<records>/<id>.json`, root's only. When
the runner could not write result.json itself (killed by the memory limit, cancelled), it is
written as the person from that outcome. SIGTERM is the backend's cancel.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from ....jobs import model, outcomes, runner
from .. import pids
from ..spawner import cgroups
from . import person

KILL_DEADLINE = 30.0
REPORT_MAX = 64 * 1024


class Supervisor:
    def __init__(self, spec: dict, hierarchy):
        self.spec, self.hierarchy = spec, hierarchy
        self.name = cgroup_name(spec["id"])
        self.cancelled = False
        self.over = None  # the run-time limit (s), once the job has run longer

    def on_term(self, signum, frame) -> None:
        self.cancelled = True
        self.kill_all()

    def kill_all(self) -> None:
        if self.hierarchy is not None:
            end_all(self.hierarchy, self.name)

    def wait(self, proc: subprocess.Popen) -> int:
        limit = self.spec.get("max_runtime_s")
        try:
            return proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.over = limit
            self.kill_all()
            proc.kill()  # without a cgroup (limits.allow_unlimited) kill_all finds nothing
            return proc.wait()

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.on_term)
        began = time.time()
        read_end, write_end = os.pipe()
        procs = self.hierarchy.procs_files(self.name) if self.hierarchy is not None else []
        try:
            proc = person.start_runner(self.spec, procs, write_end)
        except (OSError, subprocess.SubprocessError) as e:
            proc = None
            print(f"the runner did not start: {e}", file=sys.stderr)
        os.close(write_end)
        status = self.wait(proc) if proc is not None else None
        self.kill_all()  # what the job left behind (a kernel the runner lost, a daemon)
        report = _read_report(read_end)
        usage = self.hierarchy.usage(self.name) if self.hierarchy is not None else {"oom_kills": 0}
        peak = self.hierarchy.peak_memory(self.name) if self.hierarchy is not None else None
        if self.hierarchy is not None:
            self.hierarchy.remove(self.name)
        outcome = decide(report, status, usage["oom_kills"] > 0, self.cancelled, self.over)
        # root's own measures: the report's are the person's word (bounded by decide) and only fill gaps
        outcome.update(peak_memory=peak or outcome.get("peak_memory"), duration_s=round(time.time() - began, 3),
                       finished=time.time())
        if report is None or report.get("state") != outcome["state"]:
            person.write_result(self.spec, outcome)
        write_record(Path(self.spec["records"]), self.spec["id"], outcome)
        return 0


def cgroup_name(job_id: str) -> str:
    return f"job-{job_id}"


def end_all(hierarchy, name: str) -> None:
    """SIGKILL every process in cgroup `name` (but the caller) until none is left, or KILL_DEADLINE."""
    deadline = time.monotonic() + KILL_DEADLINE
    while time.monotonic() < deadline:
        alive = [p for p in hierarchy.usage(name)["pids"] if p != os.getpid()]
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def decide(report: dict | None, status: int | None, oom: bool, cancelled: bool, over: float | None = None) -> dict:
    """The outcome from the runner's report (None: it wrote none), its exit status and the cgroup's view;
    `over`: the run-time limit (s) the supervisor stopped it at.

    The report comes from a process of the person's, which their notebook's code may have made say
    anything: it is bounded like result.json (model.Outcome) and root's own facts win over it, the
    cancel, the run-time limit, an OOM kill in the job's cgroup, and the exit status (succeeded needs 0)."""
    checked = asdict(model.Outcome.from_json(report)) if report else {}
    outcome = {key: checked.get(key) for key in ("state", "duration_s", "peak_memory", "failed_cell", "error")}
    # a signal as a shell shows it: 137 for SIGKILL
    code = 128 - status if status is not None and status < 0 else status
    if cancelled:
        return {**outcome, "state": "cancelled", "exit_code": code, "failed_cell": None, "error": outcomes.CANCELLED}
    if over is not None:
        return {**outcome, "state": "failed", "exit_code": code, "failed_cell": None,
                "error": outcomes.OVER_TIME.format(minutes=f"{over / 60:g}")}
    if oom:
        return {**outcome, "state": "oom", "exit_code": code, "failed_cell": None,
                "error": outcomes.OVER_MEMORY}
    if report is None or (outcome["state"] == "succeeded" and code != 0):
        error = (outcomes.NO_RESULT_SIGNAL.format(signal=-status) if status is not None and status < 0
                 else outcomes.NO_RESULT_STATUS.format(status=status) if status is not None else outcomes.NOT_RUN)
        return {"state": "failed", "exit_code": code, "error": error}
    return {**outcome, "exit_code": code}


def _read_report(fd: int) -> dict | None:
    os.set_blocking(fd, False)  # something of the job may still hold the write end: take what is there
    try:
        data = os.read(fd, REPORT_MAX)
    except BlockingIOError:
        data = b""
    finally:
        os.close(fd)
    try:
        value = json.loads(data.decode("utf-8", "replace").splitlines()[0])
    except (ValueError, IndexError, RecursionError):
        return None
    return value if isinstance(value, dict) and isinstance(value.get("state"), str) else None


def write_record(records: Path, job_id: str, outcome: dict) -> None:
    records.mkdir(mode=0o700, parents=True, exist_ok=True)
    runner.write_json(str(records / f"{job_id}.json"), outcome)


def _detach(spec: dict, hierarchy) -> int:
    """Fork the supervisor; in the parent, print its handle and return. The supervisor never returns."""
    pid = os.fork()
    if pid:
        handle = f"{pid}:{pids.start_time(pid)}"
        # for a service that stops before it stores the handle (LocalBackend.adopt)
        runner.atomic_write(str(Path(spec["records"]) / f"{spec['id']}.handle"), handle.encode())
        print(handle, flush=True)
        return 0
    try:
        log = os.open(Path(spec["records"]) / f"{spec['id']}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd in (1, 2):
            os.dup2(log, fd)
        os.close(log)
        os.close(null)
        sys.stdout = os.fdopen(1, "w", buffering=1)
        sys.stderr = os.fdopen(2, "w", buffering=1)
        code = Supervisor(spec, hierarchy).run()
    except BaseException as e:  # noqa: BLE001 - nothing may escape into the parent's code path
        print(f"job supervisor failed: {e!r}", file=sys.stderr)
        code = 1
    os._exit(code)


def _hierarchy(spec: dict):
    try:
        return cgroups.detect()
    except cgroups.CgroupUnavailable:
        if spec.get("allow_unlimited"):
            return None
        raise


def main() -> int:
    spec = json.loads(sys.stdin.read())
    Path(spec["records"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        hierarchy = _hierarchy(spec)
        if hierarchy is not None:
            hierarchy.create(cgroup_name(spec["id"]), cgroups.Limits(**spec["limits"]))
    except (cgroups.CgroupUnavailable, OSError) as e:
        print(f"the job's cgroup could not be made: {e}", file=sys.stderr)
        return 1
    return _detach(spec, hierarchy)


if __name__ == "__main__":
    sys.exit(main())
