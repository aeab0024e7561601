"""The runner's and the local supervisor's pure parts (fast tier). The runs themselves, with
papermill, real accounts and cgroups, are tests/deploy/local/jobs/."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import nbformat
import pytest

from campushub.deploy.local.jobs.wrapper import decide
from campushub.jobs import runner


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for source, tags in cells:
        cell = nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def test_failed_cell_is_counted_in_the_persons_notebook():
    original = _nb(("x = 1", ["parameters"]), ("print(x)", None), ("1/0", None))
    executed = nbformat.from_dict(json.loads(nbformat.writes(original)))
    injected = nbformat.v4.new_code_cell("x = 2")
    injected.metadata["tags"] = ["injected-parameters"]
    executed.cells.insert(1, injected)
    # papermill's markers, which output.ipynb has once it raised: one on top, one before the cell
    for at in (3, 0):
        marker = nbformat.v4.new_markdown_cell("error")
        marker.metadata["tags"] = [runner.ERROR_MARKER]
        executed.cells.insert(at, marker)
    ids = [c.get("id") for c in original.cells]
    assert runner.failed_cell(executed, 3, ids) == 2  # the exception's index counts no markers
    assert runner.failed_cell(executed, 1, ids) is None  # the injected parameters cell is no cell of hers
    # cells without ids (nbformat < 4.5): by position, the injected cell not counted
    for cell in executed.cells:
        cell.pop("id", None)
    assert runner.failed_cell(executed, 3, []) == 2


@pytest.mark.parametrize("job", [
    {"id": "../x", "notebook": "a.ipynb"}, {"id": "j1", "notebook": "/etc/a.ipynb"},
    {"id": "j1", "notebook": "../other/a.ipynb"}, {"id": "j1", "notebook": "a.py"},
    {"id": "j1", "notebook": "a.ipynb", "parameters": [1]}, {"id": ".hidden", "notebook": "a.ipynb"},
])
def test_bad_requests_are_refused(job):
    with pytest.raises(ValueError):
        runner.check_request(job)


def test_cgroup_path_inside_a_container_mount(tmp_path):
    (tmp_path / "campushub" / "job-1").mkdir(parents=True)
    assert runner._inside(str(tmp_path), "/", "/campushub/job-1") == str(tmp_path / "campushub" / "job-1")
    # a pod's /sys/fs/cgroup is mounted at its own cgroup, which /proc/self/cgroup names from the host's root
    assert runner._inside(str(tmp_path), "/kubepods/pod1", "/kubepods/pod1") == str(tmp_path)
    assert runner._inside(str(tmp_path), "/elsewhere", "/kubepods/pod1") == str(tmp_path)


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "result.json"
    runner.write_json(str(path), {"state": "succeeded"})
    runner.write_json(str(path), {"state": "failed"})
    assert json.loads(path.read_text()) == {"state": "failed"}
    assert os.listdir(tmp_path) == ["result.json"]
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


def test_the_supervisor_decides_from_report_status_and_cgroup():
    failed = {"state": "failed", "exit_code": 1, "failed_cell": 2, "error": "cell 2: ZeroDivisionError"}
    assert decide(failed, 1, oom=False, cancelled=False)["failed_cell"] == 2
    # the memory limit killed the kernel: whatever papermill said, the run is oom
    assert decide({**failed, "error": "DeadKernelError"}, 3, oom=True, cancelled=False)["state"] == "oom"
    # the runner itself killed: no report
    killed = decide(None, -9, oom=True, cancelled=False)
    assert killed["state"] == "oom" and killed["exit_code"] == 137
    lost = decide(None, -9, oom=False, cancelled=False)
    assert lost["state"] == "failed" and lost["exit_code"] == 137 and "signal 9" in lost["error"]
    assert decide(None, -9, oom=False, cancelled=True)["state"] == "cancelled"
    # an OOM kill in the job's cgroup is root's fact: oom, whatever the report says
    assert decide({"state": "succeeded", "exit_code": 0}, 0, oom=True, cancelled=False)["state"] == "oom"


def test_the_supervisor_does_not_take_a_forged_report_over_its_own_facts():
    # what a notebook that ptraced its runner wrote into the supervisor's pipe (attack review F1)
    forged = {"state": "succeeded", "failed_cell": 2**70, "exit_code": -(2**40), "duration_s": 1e300,
              "peak_memory": 2**80, "error": "all fine\x1b[2J, trust me"}
    killed = decide(forged, -9, oom=False, cancelled=False)  # it then killed the runner
    assert killed["state"] == "failed" and killed["exit_code"] == 137 and "signal 9" in killed["error"]
    assert killed.get("failed_cell") is None
    kept = decide({**forged, "state": "failed"}, 1, oom=False, cancelled=False)  # their own job's word, bounded
    assert kept["state"] == "failed" and kept["exit_code"] == 1
    assert kept["failed_cell"] is None and kept["duration_s"] is None and kept["peak_memory"] is None
    assert "\x1b" not in kept["error"]
    assert decide(forged, 0, oom=True, cancelled=False)["state"] == "oom"


def test_a_job_stopped_at_the_run_time_limit_is_failed_saying_so():
    over = decide(None, -9, oom=True, cancelled=False, over=90.0)
    assert over["state"] == "failed" and over["exit_code"] == 137 and "limit of 1.5 minutes" in over["error"]


def test_the_runner_cannot_be_ptraced_by_its_kernel():
    # PR_GET_DUMPABLE (3) after not_traceable(), in a process of its own: a same-uid tracer then needs
    # CAP_SYS_PTRACE (the attack itself, from a job's kernel: tests/deploy/local/jobs/test_local_jobs_forged.py)
    code = ("import ctypes, runner; runner.not_traceable(); "
            "print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))")
    done = subprocess.run([sys.executable, "-c", code], cwd=os.path.dirname(runner.__file__),
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0"


def test_kernels_use_unix_sockets_in_a_private_folder_even_when_the_runtime_dir_is_long(tmp_path, monkeypatch):
    # a runtime dir too long for a unix socket's path made the runner fall back to TCP on 127.0.0.1
    long = tmp_path / ("r" * 120)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(long))
    folder, config = runner.kernel_config()
    try:
        manager = config["KernelManager"]
        assert manager["transport"] == "ipc"
        assert os.path.dirname(manager["connection_file"]) == folder == os.path.dirname(manager["ip"])
        assert len(manager["ip"] + "-99999") <= runner.AF_UNIX_MAX
        assert stat.S_IMODE(os.stat(folder).st_mode) & 0o777 == 0o700
    finally:
        shutil.rmtree(folder)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "rt"))
    folder, _ = runner.kernel_config()
    assert os.path.dirname(folder) == str(tmp_path / "rt")


def test_cgroup_counters_of_both_versions(tmp_path):
    v1, v2 = tmp_path / "v1", tmp_path / "v2"
    v1.mkdir()
    v2.mkdir()
    (v1 / "memory.max_usage_in_bytes").write_text("314572800\n")
    (v1 / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
    (v2 / "memory.peak").write_text("209715200\n")
    (v2 / "memory.events").write_text("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n")
    assert (runner.Cgroup(1, str(v1)).peak(), runner.Cgroup(1, str(v1)).oom_kills()) == (314572800, 2)
    assert (runner.Cgroup(2, str(v2)).peak(), runner.Cgroup(2, str(v2)).oom_kills()) == (209715200, 1)
    # no cgroup to read (or a kernel before 5.19 without memory.peak): the largest RSS of this process or a child
    nothing = runner.Cgroup(0, None)
    assert nothing.oom_kills() == 0 and nothing.peak() > 0
