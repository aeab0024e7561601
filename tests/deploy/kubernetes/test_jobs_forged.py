"""A job's termination message is the notebook's to write (/dev/termination-log belongs to the
container's user; attack review of issue 16, F1): values in it out of range are kept out of the
record, the kubelet's facts (OOMKilled, exit code, times) win over it, and one such job does not
stop the scheduler for anybody. No cluster here: the API is tests/deploy/kubernetes/test_jobs.py's
JobsStandIn; real SQLite store, real Scheduler."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict

import pytest

from campushub.deploy.kubernetes.jobs import KubernetesBackend
from campushub.jobs import model
from campushub.jobs.scheduler import Scheduler
from campushub.jobs.store import Store

from ...jobs.fakes import FakePeople
from .cases import CASES
from .test_jobs import JobsStandIn, start

FORGED = {
    "failed_cell": {"state": "failed", "failed_cell": 2**70, "error": "x"},
    "finished": {"state": "succeeded", "finished": 1e300},
    "nested": "[" * 2000 + "]" * 2000,  # within the 4096 bytes a termination message keeps
}


@pytest.mark.parametrize("forged", sorted(FORGED))
def test_a_forged_termination_message_does_not_stop_everyones_scheduler(forged, tmp_path):
    case = CASES["defaults"]
    cluster = JobsStandIn()
    backend = KubernetesBackend(case.config, cluster)
    store = Store(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    try:
        evil = model.Job(id=model.new_id(), owner="mallory", notebook="forge.ipynb", resources=asdict(case.choice))
        store.add([evil], 10)
        scheduler = Scheduler(case.config, store, backend, FakePeople({}))
        asyncio.run(scheduler.tick())
        message = FORGED[forged] if isinstance(FORGED[forged], str) else json.dumps(FORGED[forged])
        cluster.end(store.get(evil.id).handle, ok=False, exitCode=137, reason="Error", message=message)
        honest = model.Job(id=model.new_id(), owner="bob", notebook="ok.ipynb", resources=asdict(case.choice))
        store.add([honest], 10)
        asyncio.run(scheduler.tick())  # raised OverflowError (every tick) before
        assert store.get(honest.id).state == model.RUNNING
        ended = store.get(evil.id)
        assert ended.state == model.FAILED and ended.failed_cell is None and ended.exit_code == 137
    finally:
        store.close()


def test_the_kubelets_facts_win_over_the_message():
    cluster = JobsStandIn()
    backend, job = start(cluster)
    # the notebook wrote "succeeded" and killed its runner: the container's exit status says otherwise
    cluster.end(job.handle, ok=False, exitCode=137, reason="Error",
                message=json.dumps({"state": "succeeded", "exit_code": 0, "duration_s": 1.0}))
    outcome = backend.poll(job)
    assert outcome.state == "failed" and outcome.exit_code == 137 and outcome.duration_s == 150.0
    backend, other = start(cluster)
    cluster.end(other.handle, ok=False, exitCode=137, reason="OOMKilled",
                message=json.dumps({"state": "succeeded", "exit_code": 0, "error": "\x1b[2Jfine"}))
    outcome = backend.poll(other)
    assert outcome.state == "oom" and outcome.exit_code == 137 and "\x1b" not in outcome.error
