"""The autograder: every notebook of a submission executed on a fresh
kernel in the content check's sandbox, scored like nbgrader from the
kernel's execute_reply status (format.scoring).

What enters the sandbox: the learner's submitted files and the assignment's
data files (the data files win: a learner cannot replace what the tests read).
The source notebooks (the answer key) never do: the notebook executed is the
learner's answers merged with the source's test cells (merge_submission), and
it stays in the runner outside the sandbox, which sends the kernel one cell
at a time as an execute request.

Kernels run as `nobody`, the content check's account, rather than a
dedicated one: it owns no files (Debian policy; checked here), needs no
account to be created and removed on every machine and image, and has the
same number in every Kubernetes image. Kernels graded at the same time share
it but not a namespace: each has its own pid, IPC, network and mount
namespace and its own cgroup, so none can see, signal or read another.

One worker per core, each a long-lived runner (no interpreter start per
submission) with the next kernel already started in its own sandbox and
cgroup. grade() is thread-safe: it may be called from many threads at once,
and the notebooks of all calls share the workers.
"""

from __future__ import annotations

import os
import queue
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

from ...content.check import meter, sandbox
from ...content.check.outcome import clean
from ..format.scoring import CellScore, merge_submission, score
from .worker import RunnerGone, Settings, Unit, Worker, remove_stale, required_tools

MAX_OUTPUT = 4 * 2**20  # bytes of outputs kept per executed notebook (the rest is cut, with a note)
STATUSES = {"ok", "error", "aborted"}
# Folders no kernel needs and a grading service may hold data in (its database, home folders, sockets):
# empty inside the sandbox whatever their permissions say. The environment is shown again if under one.
HIDDEN = ("/home", "/root", "/run", "/srv", "/mnt", "/media", "/var/lib", "/var/spool", "/var/mail",
          "/var/backups", "/var/log", "/var/tmp", "/var/cache")
# What a kernel needs at the root. Every other folder there (/opt, /boot, /courses, /data, ...) is hidden too:
# instructors keep source folders, the answer key, anywhere, world-readable under a default umask.
SYSTEM = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "sys", "tmp", "var", "run"}


def outside_system() -> tuple[str, ...]:
    """The folders at the root a kernel does not need (links, e.g. /bin -> usr/bin, stay as they are)."""
    return tuple(sorted(e.path for e in os.scandir("/") if e.name not in SYSTEM and e.is_dir(follow_symlinks=False)))


def base_interpreter(env: Path) -> tuple[Path, ...]:
    """The prefix a venv's python comes from (pyvenv.cfg's home), to show again if a hidden folder holds it."""
    try:
        lines = (env / "pyvenv.cfg").read_text().splitlines()
    except OSError:
        return ()
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() == "home" and value.strip():
            home = Path(value.strip())
            return tuple({home.parent, Path(os.path.realpath(home)).parent})
    return ()


@dataclass
class GradeOutcome:
    scores: dict[str, list[CellScore]]
    executed: dict[str, bytes]
    error: str | None = None
    notes: dict[str, str] = field(default_factory=dict)  # per notebook: timeout, died, output truncated


class Grader:
    def __init__(self, python: str, *, workers: int | None = None, limits: sandbox.Limits | None = None,
                 scratch_root: Path, stderr_harmless: bool = False, hide: tuple[Path, ...] = (),
                 max_output: int = MAX_OUTPUT):
        sandbox.require_root()
        sandbox.tools()
        required_tools()
        self.stderr_harmless = stderr_harmless
        limits = limits or sandbox.Limits()
        scratch_root = Path(scratch_root).absolute()
        scratch_root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(scratch_root, 0o700)
        env = Path(python).absolute().parent.parent
        keep = tuple({env, Path(os.path.realpath(env)), *base_interpreter(env)})
        self.tag = uuid.uuid4().hex[:6]
        self.settings = Settings(python, limits, scratch_root, max_output,
                                 hide=tuple(Path(p) for p in (*HIDDEN, *outside_system(), *hide)), keep=keep,
                                 tag=self.tag)
        self.jobs: queue.Queue = queue.Queue()
        self.closed = False
        hierarchy = meter.backend()
        remove_stale(hierarchy)
        self.workers = [Worker(i, self.settings, self.jobs, hierarchy) for i in range(workers or os.cpu_count() or 1)]
        for worker in self.workers:
            worker.thread.start()

    def close(self) -> None:
        """Stop every worker now: runners and kernels killed, cgroups and scratch removed; grade() calls
        waiting or running raise RunnerGone (their jobs go back to the queue)."""
        self.closed = True
        for worker in self.workers:
            worker.abort()
        for _ in self.workers:
            self.jobs.put(None)
        for worker in self.workers:
            worker.thread.join()
        while True:
            try:
                unit = self.jobs.get_nowait()
            except queue.Empty:
                break
            if unit is not None and unit.future.set_running_or_notify_cancel():
                unit.future.set_exception(RunnerGone("the grader was closed"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def grade(self, source: dict[str, bytes], submitted: dict[str, bytes], files: dict[str, bytes]) -> GradeOutcome:
        """Every source notebook's grade cells scored against the submission (a notebook the learner did not
        submit, or one that is not a notebook, scores 0 with an error saying so)."""
        if self.closed:
            raise RunnerGone("the grader was closed")
        outcome = GradeOutcome({}, {})
        around = {p: d for p, d in submitted.items() if _safe(p) and not p.startswith(".")}
        around.update({p: d for p, d in files.items() if _safe(p)})
        units, problems = {}, []
        for path in sorted(source):
            source_nb = nbformat.reads(source[path].decode(), as_version=4)
            try:
                learner_nb = nbformat.reads(submitted[path].decode(), as_version=4)
            except KeyError:
                problems.append(f"{path}: not submitted")
                learner_nb = None
            except Exception:  # noqa: BLE001 -- any way of not being a notebook is the same to the learner
                problems.append(f"{path}: not a readable notebook")
                learner_nb = None
            if learner_nb is None:
                outcome.scores[path] = score(source_nb, merge_submission(source_nb, nbformat.v4.new_notebook()), {})
                continue
            merged = merge_submission(source_nb, learner_nb)
            units[path] = (source_nb, Unit(nbformat.writes(merged), around))
            self.jobs.put(units[path][1])
        for path, (source_nb, unit) in units.items():
            try:
                done = unit.future.result()
            except RunnerGone as e:
                if self.closed:
                    raise  # not this submission's fault: its job goes back to the queue
                outcome.error = clean(f"{path}: could not be graded ({e})", newlines=False)[:1000]
                continue
            try:
                executed, replies = _checked(done)
            except Exception:  # noqa: BLE001 -- a runner that answers nonsense graded nothing
                outcome.error = f"{path}: could not be graded (the runner's answer was not a notebook)"
                continue
            outcome.scores[path] = score(source_nb, executed, replies, self.stderr_harmless)
            if done.get("note"):
                outcome.notes[path] = clean(str(done["note"]), newlines=False)[:500]
                # kept with the executed notebook, which is what the store keeps: tutors see why tests scored 0
                executed.metadata["campushub"] = {"grading_note": outcome.notes[path]}
            outcome.executed[path] = nbformat.writes(executed).encode()
        if problems and outcome.error is None:
            outcome.error = "; ".join(problems)
        return outcome


def _safe(path: str) -> bool:
    rel = PurePosixPath(path)
    return bool(rel.parts) and not rel.is_absolute() and not any(p in ("", ".", "..") for p in rel.parts)


def _checked(done: dict) -> tuple[nbformat.NotebookNode, dict[int, dict]]:
    """The runner's answer as trusted values: a notebook nbformat reads, replies with known statuses only."""
    executed = nbformat.reads(done.get("notebook") or "", as_version=4)
    replies = {}
    for key, reply in (done.get("replies") or {}).items():
        if str(key).isdigit() and isinstance(reply, dict) and reply.get("status") in STATUSES:
            replies[int(key)] = {k: str(v) for k, v in reply.items() if k in ("status", "ename", "evalue")}
    return executed, replies

