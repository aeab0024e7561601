"""jobs.max_runtime_minutes on this machine: the supervisor stops a job that runs longer, with all it
started, and records it failed saying why. Real account, supervisor, runner and cgroup (conftest.py)."""

from __future__ import annotations

import subprocess

from campushub.deploy.local.jobs import LocalBackend

from .conftest import finished, job, notebook, person, resources, result_file


def test_a_job_running_longer_than_the_limit_is_stopped_and_failed(site, people):
    backend = LocalBackend({**site, "jobs": {**site["jobs"], "max_runtime_minutes": 0.05}})  # 3 s
    alice = people("alice")
    nb = notebook(alice, "forever.ipynb", "import subprocess, time", "subprocess.Popen(['sleep', '600'])",
                  "time.sleep(600)")
    j = job("alice", nb)
    j.handle = backend.start(j, resources(), person("alice"))
    outcome = finished(backend, j, timeout=120)
    assert outcome.state == "failed" and "longer than the site's limit of 0.05 minutes" in outcome.error, outcome
    assert outcome.exit_code == 137 and outcome.duration_s < 60
    assert result_file(alice, j)["state"] == "failed"  # written as alice for her jobs folder
    listed = subprocess.run(["ps", "-o", "stat=,args=", "-u", alice.pw_name], capture_output=True, text=True)
    alive = [line for line in listed.stdout.splitlines() if not line.strip().startswith("Z")]  # Z: dead
    assert alive == []  # nothing of hers left running: kernel, the sleep it started
