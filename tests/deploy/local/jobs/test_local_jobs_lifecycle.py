"""A local job's life beyond one call: it outlives the service that started it, it can be cancelled,
it gets the person's project groups. Real accounts, processes and cgroups."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from campushub.deploy.local import pids
from campushub.deploy.local.jobs import LocalBackend
from campushub.deploy.local.jobs.backend import parse
from campushub.deploy.local.jobs.wrapper import cgroup_name
from campushub.deploy.local.projects import groups
from campushub.deploy.local.retention_homes import processes_of
from campushub.deploy.local.spawner import cgroups

from ....harness import wait_for
from ..projects.conftest import project_name, purge
from .conftest import finished, job, notebook, person, resources, result_file

WAIT_FOR_FILE = """
import os, time
deadline = time.monotonic() + 300
while not os.path.exists({path!r}) and time.monotonic() < deadline:
    time.sleep(0.2)
print('went on:', os.path.exists({path!r}))
"""

SERVICE = """
import json, sys
from campushub.deploy.local.jobs import LocalBackend
from campushub.hub.policy.types import Choice
from campushub.jobs import backend as api, model
config, spec = json.loads(sys.argv[1]), json.loads(sys.argv[2])
job = model.Job(**spec)
print(LocalBackend(config).start(job, Choice(**json.loads(sys.argv[3])), api.Person(name=job.owner)))
"""


def test_a_job_finishes_and_records_its_result_while_no_service_runs(site, people):
    alice = people("alice")
    go = Path(alice.pw_dir) / "go"
    nb = notebook(alice, "wait.ipynb", WAIT_FOR_FILE.format(path=str(go)), "print('done', n)", parameters="n = 0")
    j = job("alice", nb, n=7)
    choice = resources().__dict__
    # the "service": a process of its own that starts the job and is gone before the job ends
    service = subprocess.run([sys.executable, "-c", SERVICE, json.dumps(site),
                              json.dumps({"id": j.id, "owner": j.owner, "notebook": j.notebook,
                                          "parameters": j.parameters}), json.dumps(choice)],
                             capture_output=True, text=True, timeout=120)
    assert service.returncode == 0, service.stderr
    handle = service.stdout.strip()
    pid, _ = parse(handle)
    assert pids.start_time(pid) is not None, "the job's supervisor is not running"
    with open(f"/proc/{pid}/stat") as f:
        parent = int(f.read().rsplit(")", 1)[1].split()[1])
    assert parent != os.getpid(), "the supervisor is a child of the test, not detached"
    go.touch()
    os.chown(go, alice.pw_uid, alice.pw_gid)
    records = LocalBackend(site).records
    # nobody polls: the supervisor records the outcome on its own, and ends
    wait_for(lambda: (records / f"{j.id}.json").exists(), 180, "the job's record")
    wait_for(lambda: pids.start_time(pid) is None, 60, "the supervisor to end")
    assert result_file(alice, j)["state"] == "succeeded"
    # a service started afterwards (the job's handle lost with the first one) adopts and reads it
    later = LocalBackend(site)
    assert later.adopt(j)
    outcome = later.poll(j)
    assert outcome.state == "succeeded", outcome
    log = (Path(alice.pw_dir) / "jobs" / j.id / "log.txt").read_text()
    assert "done 7" in log


def test_cancel_stops_the_job_and_everything_it_started(backend, people):
    alice = people("alice")
    started = Path(alice.pw_dir) / "started"
    nb = notebook(alice, "forever.ipynb",
                  "import subprocess; child = subprocess.Popen(['sleep', '600'])",
                  f"open({str(started)!r}, 'w').close()\nimport time\ntime.sleep(600)")
    j = job("alice", nb)
    j.handle = backend.start(j, resources(), person("alice"))
    wait_for(started.exists, 120, "the job to be running")
    assert backend.poll(j) is None
    backend.cancel(j)
    outcome = finished(backend, j, timeout=60)
    assert outcome.state == "cancelled", outcome
    assert result_file(alice, j)["state"] == "cancelled"
    wait_for(lambda: processes_of(alice.pw_uid) == 0, 30, "alice's processes (runner, kernel, sleep) to end")
    hierarchy = cgroups.detect()
    assert not any(Path(p).parent.exists() for p in hierarchy.procs_files(cgroup_name(j.id)))
    backend.cancel(j)  # once more, when it is gone: quiet


def test_the_job_has_the_persons_project_groups(backend, people):
    alice = people("alice")
    project = project_name("jobs")
    try:
        gid = groups.ensure_group(project, groups.site_root(backend.config["projects"]["root"])).gr_gid
        nb = notebook(alice, "groups.ipynb", "import os; print('groups', sorted(os.getgroups()))")
        j = job("alice", nb)
        # of her hub groups, only the project's gives a gid; a group that is no project gives nothing
        j.handle = backend.start(j, resources(), person("alice", project, "not-a-project"))
        assert finished(backend, j).state == "succeeded"
        log = (Path(alice.pw_dir) / "jobs" / j.id / "log.txt").read_text()
        line = next(x for x in log.splitlines() if "groups [" in x)
        shown = json.loads(line.split("groups ", 1)[1])
        assert sorted(shown) == sorted({alice.pw_gid, gid})
    finally:
        purge(project, backend.config["projects"]["root"])


def test_a_person_without_an_account_gets_one_line(backend):
    j = job("nobody-here", "a.ipynb")
    try:
        backend.start(j, resources(), person("nobody-here"))
    except Exception as e:  # BackendError
        assert "no account on this machine" in str(e) and "\n" not in str(e)
    else:
        raise AssertionError("started a job for a person with no account")
    assert not (backend.records / f"{j.id}.json").exists()


def test_a_notebook_that_is_not_there_is_refused_at_submission_in_one_line(backend, people):
    alice = people("alice")
    notebook(alice, "work/real.ipynb", "print(1)")
    assert backend.notebook_problem("alice", "work/real.ipynb") is None
    missing = backend.notebook_problem("alice", "work/nothere.ipynb")
    assert missing.translated("en") == ("work/nothere.ipynb is not in your home: check the path "
                                        "(it is relative to your home).")
    assert "work/nothere.ipynb" in missing.translated("ja")
    (Path(alice.pw_dir) / "work" / "dir.ipynb").mkdir()
    assert "is not a file" in backend.notebook_problem("alice", "work/dir.ipynb").translated("en")
    assert backend.notebook_problem("nobody-here", "a.ipynb").status == 409
    # looked at as alice: root's files are no notebooks of hers, whatever root may read
    os.symlink("/etc/shadow", Path(alice.pw_dir) / "shadow.ipynb")
    assert backend.notebook_problem("alice", "shadow.ipynb") is None  # unknown until the start, which fails
    j = job("alice", "shadow.ipynb")
    j.handle = backend.start(j, resources(), person("alice"))
    outcome = finished(backend, j)
    assert outcome.state == "failed" and "Permission denied" in outcome.error, outcome


def test_a_job_whose_supervisor_was_killed_is_lost_and_cancel_still_ends_it(backend, people):
    import signal

    alice = people("alice")
    started = Path(alice.pw_dir) / "started"
    nb = notebook(alice, "forever.ipynb", f"open({str(started)!r}, 'w').close()\nimport time\ntime.sleep(600)")
    j = job("alice", nb)
    j.handle = backend.start(j, resources(), person("alice"))
    wait_for(started.exists, 120, "the job to be running")
    pid, _ = parse(j.handle)
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: pids.start_time(pid) is None, 30, "the supervisor to be gone")
    outcome = backend.poll(j)
    assert outcome.state == "lost" and "without recording a result" in outcome.error
    assert processes_of(alice.pw_uid) > 0  # the notebook runs on, in its cgroup, known to nobody
    backend.cancel(j)
    wait_for(lambda: processes_of(alice.pw_uid) == 0, 30, "alice's processes to end")
    assert not any(Path(p).parent.exists() for p in cgroups.detect().procs_files(cgroup_name(j.id)))
