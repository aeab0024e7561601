"""The autograding loop: worker threads take jobs from the store's job table
(Store.claim_job, atomic across processes), grade them and record the
outcome (Store.finish_job). The table is the queue, so it survives restarts:
jobs a dead process left "running" go back at start (requeue_stale), and a
worker stopped mid-job puts its job back (release_job)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import asdict

from ..metrics import GRADING_DURATION
from .engine import Grader, RunnerGone

log = logging.getLogger("campushub.assignments.grading")
IDLE_WAIT = 2.0  # seconds between looks at an empty table, unless wake() is called


class Queue:
    def __init__(self, store, grader: Grader, workers: int):
        self.store, self.grader = store, grader
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._pending = 0
        name = f"{socket.gethostname()}:{os.getpid()}"
        self.threads = [threading.Thread(target=self._loop, args=(f"{name}:{i}",), name=f"grading-queue-{i}",
                                         daemon=True) for i in range(max(1, workers))]

    def start(self) -> Queue:
        for thread in self.threads:
            thread.start()
        return self

    def wake(self) -> None:
        """A job was queued: an idle worker looks at once instead of at its next turn."""
        with self._wake:
            self._pending += 1
            self._wake.notify()

    def stop(self, timeout: float | None = None) -> None:
        """Let running jobs finish (or give them back if the grader is closed meanwhile), then return."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self.threads:
            thread.join(timeout)

    def _idle(self) -> None:
        with self._wake:
            if self._pending == 0 and not self._stop.is_set():
                self._wake.wait(IDLE_WAIT)
            self._pending = max(0, self._pending - 1)

    def _loop(self, worker: str) -> None:
        while not self._stop.is_set():
            try:
                job = self.store.claim_job(worker)
            except Exception:  # the database away for a moment: try again, do not die
                log.exception("could not claim an autograding job")
                job = None
            if job is None:
                self._idle()
                continue
            self._run(job)

    def _run(self, job: dict) -> None:
        began = time.monotonic()
        try:
            source = self.store.source_files(job["assignment_id"])
            submitted = self.store.version_files(job["version_id"])
            notebooks = {p: d for p, d in source.items() if p.endswith(".ipynb")}
            data = {p: d for p, d in source.items() if not p.endswith(".ipynb")}
            outcome = self.grader.grade(notebooks, submitted, data)
        except RunnerGone as e:
            if self._stop.is_set() or self.grader.closed:  # the service is stopping: the next one grades it
                self.store.release_job(job["id"])
                return
            outcome = None
            error = f"autograding failed: {e}"
        except Exception as e:  # noqa: BLE001 -- one bad job must not stop the queue
            log.exception("autograding job %s failed", job["id"])
            outcome, error = None, f"autograding failed: {type(e).__name__}: {e}"
        GRADING_DURATION.observe(time.monotonic() - began)
        if outcome is not None:
            scores = [{**asdict(cell), "notebook": path} for path, cells in outcome.scores.items() for cell in cells]
            self.store.finish_job(job["id"], scores=scores, executed=outcome.executed, error=outcome.error)
        else:
            self.store.finish_job(job["id"], scores=[], executed={}, error=" ".join(error.split())[:1000])


def start(store, grader: Grader, workers: int) -> Queue:
    """Jobs a dead process left running back in the queue, then `workers` threads taking jobs."""
    requeued = store.requeue_stale()
    if requeued:
        log.info("%d autograding jobs left running by a previous process are queued again", requeued)
    return Queue(store, grader, workers).start()
