"""Live: a learner logs in, starts a server with a policy choice through the
hub's REST API, runs a cell in its kernel, and the pod has the resources of
the choice, as the cluster reports them and as the kernel sees them."""

from __future__ import annotations

import pytest

from ..deploy.kubernetes.pods import quantity
from ..harness import run_code, wait_for
from .hubapi import api, server_ready, token
from .pods import notebook_container, server_pod
from .site import CHOICE, expected_choice

# `stack` by hand: tests/tiers.py cannot see a cluster in the source.
pytestmark = [pytest.mark.kubernetes, pytest.mark.stack]

# The kernel's own view of its memory limit (cgroup v2, else v1) and the
# MEM_LIMIT that jupyter-resource-usage shows.
CELL = """
import os
from pathlib import Path
v2, v1 = Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes")
print((v2 if v2.exists() else v1).read_text().strip(), os.environ.get("MEM_LIMIT"))
"""


def test_a_cell_runs_in_a_pod_with_the_chosen_resources(cluster, release, k8s_hub, learner):
    choice = expected_choice(release.namespace)
    r = api(learner, "POST", f"users/{learner.name}/server", json=CHOICE)
    assert r.status_code in (201, 202), f"spawn answered {r.status_code}: {r.text[:300]}"
    try:
        wait_for(lambda: server_ready(learner), 600, "the learner's server to be ready")

        out = run_code(k8s_hub, learner.name, token(learner), CELL, timeout=120)
        assert out["error"] is None, out
        assert out["stream"].split() == [str(choice.mem_limit)] * 2, out

        pod = server_pod(cluster, release.namespace, learner.name)
        assert pod is not None, f"no server pod of {learner.name} in {release.namespace}"
        resources = notebook_container(pod)["resources"]
        assert quantity(resources["limits"]["cpu"]) == pytest.approx(choice.cpu_limit)
        assert quantity(resources["requests"]["cpu"]) == pytest.approx(choice.cpu_guarantee)
        assert quantity(resources["limits"]["memory"]) == choice.mem_limit
        assert quantity(resources["requests"]["memory"]) == choice.mem_guarantee
    finally:
        api(learner, "DELETE", f"users/{learner.name}/server")
        wait_for(lambda: server_pod(cluster, release.namespace, learner.name) is None, 300,
                 "the learner's server pod to be gone")
