"""The Job's container really runs the runner: its args and env, as job_pod.py writes them, run
with the user environment's python (the image's first python3 on PATH) on a folder standing in for
the home claim; what the runner leaves as the termination message is read back by the backend.
No cluster here: the kubelet's part (mounts, the termination message) is stood in by this test."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import nbformat

from campushub.deploy.kubernetes.render.storage import HOME
from campushub.deploy.local.userenv import ensure_user_env

from ...harness import ROOT
from .test_jobs import JobsStandIn, start

LOCK = ROOT / "campushub" / "singleuser" / "environment.lock"


def test_the_jobs_container_runs_the_notebook_and_reports(tmp_path):
    env_bin = ensure_user_env("/usr/bin/python3", Path("/opt/campushub/envs"), LOCK) / "bin"
    home = tmp_path / "home"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("lr = 1.0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print('lr', lr)"), nbformat.v4.new_code_cell("raise ValueError(lr)")]
    (home / "work").mkdir(parents=True)
    nbformat.write(nb, home / "work" / "train.ipynb")
    cluster = JobsStandIn()
    backend, job = start(cluster)
    container = cluster.jobs[job.handle]["spec"]["template"]["spec"]["containers"][0]
    message = tmp_path / "termination-log"
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["HOME"] == HOME and container["workingDir"] == HOME
    env.update(HOME=str(home), CAMPUSHUB_JOB_REPORT_FILE=str(message), PATH=f"{env_bin}:/usr/bin:/bin")
    args = container["args"]
    done = subprocess.run(args, env=env, cwd=home, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    cluster.end(job.handle, ok=False, exitCode=done.returncode, reason="Error", message=message.read_text())
    outcome = backend.poll(job)
    assert (outcome.state, outcome.failed_cell) == ("failed", 2), outcome  # 0 parameters, 1 print, 2 raise
    assert "ValueError: 0.1" in outcome.error
    folder = home / "jobs" / job.id
    assert json.loads((folder / "result.json").read_text())["failed_cell"] == 2
    assert "lr 0.1" in (folder / "log.txt").read_text()
    assert os.path.exists(folder / "output.ipynb")
