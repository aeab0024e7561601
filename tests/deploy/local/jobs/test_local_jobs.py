"""Jobs run by the local backend: real accounts, real processes, real cgroups (v1 or v2)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import nbformat

from campushub.deploy.local.jobs.wrapper import cgroup_name
from campushub.deploy.local.spawner import cgroups

from .conftest import finished, job, notebook, person, resources, result_file

MiB = 2**20


def test_a_failing_cell_fails_the_job_and_names_the_cell(backend, people):
    alice = people("alice")
    nb = notebook(alice, "work/div.ipynb", "print('x is', x)", "1 / (x - 2)", "print('after')",
                  parameters="x = 1")
    ok, bad = job("alice", nb, x=1), job("alice", nb, x=2)
    for j in (ok, bad):
        j.handle = backend.start(j, resources(), person("alice"))
    good, failed = finished(backend, ok), finished(backend, bad)
    assert good.state == "succeeded", good
    assert good.exit_code == 0 and good.failed_cell is None
    assert failed.state == "failed", failed
    # cells of alice's notebook: 0 parameters, 1 print, 2 the division (papermill's injected cell not counted)
    assert failed.failed_cell == 2
    assert "ZeroDivisionError" in failed.error
    assert failed.exit_code == 1
    assert result_file(alice, bad)["failed_cell"] == 2
    out = nbformat.read(Path(alice.pw_dir) / "jobs" / bad.id / "output.ipynb", as_version=4)
    assert "x is 2" in "".join(o.get("text", "") for c in out.cells for o in c.get("outputs", []))
    assert "x is 2" in (Path(alice.pw_dir) / "jobs" / bad.id / "log.txt").read_text()


def test_the_job_runs_as_the_person_in_its_cgroup_and_records_its_peak(backend, people):
    alice = people("alice")
    nb = notebook(alice, "mem.ipynb",
                  "import os; print('uid', os.getuid()); print(open('/proc/self/cgroup').read())",
                  "block = bytearray(200 * 2**20); block[::4096] = b'x' * len(block[::4096])")
    j = job("alice", nb)
    j.handle = backend.start(j, resources(memory=768 * MiB), person("alice"))
    outcome = finished(backend, j)
    assert outcome.state == "succeeded", outcome
    assert outcome.peak_memory >= 200 * MiB
    log = (Path(alice.pw_dir) / "jobs" / j.id / "log.txt").read_text()
    assert f"uid {alice.pw_uid}" in log
    assert cgroup_name(j.id) in log
    # the supervisor removed the job's cgroup once it ended
    hierarchy = cgroups.detect()
    assert not any(Path(p).parent.exists() for p in hierarchy.procs_files(cgroup_name(j.id)))
    folder = Path(alice.pw_dir) / "jobs" / j.id
    for path in (folder.parent, folder, *folder.iterdir()):
        info = path.lstat()
        assert (info.st_uid, info.st_gid) == (alice.pw_uid, alice.pw_gid), path  # never root's, in a home
    assert sorted(p.name for p in folder.iterdir()) == ["input.ipynb", "log.txt", "output.ipynb",
                                                       "parameters.json", "result.json"]


def test_a_job_over_its_memory_limit_is_reported_as_such(backend, people):
    alice = people("alice")
    nb = notebook(alice, "big.ipynb", "print('start')",
                  "block = bytearray(1024 * 2**20); block[::4096] = b'x' * len(block[::4096])", "print('never')")
    j = job("alice", nb)
    j.handle = backend.start(j, resources(memory=256 * MiB), person("alice"))
    outcome = finished(backend, j)
    assert outcome.state == "oom", outcome
    assert "memory" in outcome.error
    assert result_file(alice, j)["state"] == "oom"
    assert outcome.peak_memory >= 200 * MiB


def test_another_person_cannot_read_a_job(backend, people):
    import subprocess

    alice, bob = people("alice"), people("bob")
    os.chmod(alice.pw_dir, 0o755)  # even in a home opened to everyone, a job's files stay hers
    nb = notebook(alice, "secret.ipynb", "print('the secret is 42')")
    j = job("alice", nb)
    j.handle = backend.start(j, resources(), person("alice"))
    assert finished(backend, j).state == "succeeded"
    folder = Path(alice.pw_dir) / "jobs" / j.id
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    for name in ("output.ipynb", "log.txt", "result.json", "input.ipynb", "parameters.json"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    for path in (folder / "output.ipynb", folder / "log.txt", folder.parent):
        read = subprocess.run(["cat" if path.is_file() else "ls", str(path)], user=bob.pw_uid, group=bob.pw_gid,
                              extra_groups=[], capture_output=True, text=True)
        assert read.returncode != 0 and "Permission denied" in read.stderr, (path, read)
