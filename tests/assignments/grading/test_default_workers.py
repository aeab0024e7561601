"""The issue's default: one autograding worker per core. service.start_grading
is what the service process runs; with `assignments.workers` unset it gives
the grader and the queue os.cpu_count() workers each, and they autograde.
Real sandbox, runners and store (stack tier); everything is stopped and
checked gone at the end."""

from __future__ import annotations

import os

import pytest

from campushub.assignments import service
from campushub.config import validate

from ...content.check.conftest import python  # noqa: F401  (the environment the kernels run in)
from ...harness import wait_for
from .notebooks import leftovers

pytestmark = [pytest.mark.stack, pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox is made by root")]


def test_one_worker_per_core_unless_configured(python, store, ps1, ps1_source, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CAMPUSHUB_GRADING_PYTHON", python)
    config = validate({"data_dir": str(tmp_path / "data")})
    assert config["assignments"]["workers"] is None
    version = store.submit(ps1["id"], "alice", dict(ps1_source.notebooks), late=False)
    queue, grader = service.start_grading(store, config, tmp_path / "service")
    assert grader is not None, "autograding did not start"
    try:
        assert len(queue.threads) == len(grader.workers) == os.cpu_count()
        # Stopped after a grading, as a running service is: the workers are idle with a kernel ready.
        done = wait_for(lambda: store.version(version["id"])["status"] == "autograded" and store.version(
            version["id"]), 180, "the submission autograded")
        assert done["auto"] == 8.0
    finally:
        service.stop_grading(store, queue, grader)
    assert leftovers(grader) == (set(), set()), "the grader left cgroups or processes behind"
