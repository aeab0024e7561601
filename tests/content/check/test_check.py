"""`campushub content check` on a sample course, for real: notebooks run in
bubblewrap as `nobody` with no network and cgroup limits, two at a time."""

from __future__ import annotations

import json
import os

import pytest

from ..course_factory import NOTEBOOKS, make_course, make_repo
from .conftest import check, leftovers

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs notebooks as nobody in cgroups")
MIB = 2**20


def test_every_notebook_is_run_measured_and_reported(tmp_path, python):
    course = make_course(tmp_path / "course")
    out = tmp_path / "report"
    done = check(str(course), "--python", python, "--jobs", "2", "--timeout", "15", "--out", str(out))
    assert done.returncode == 1, done.stderr  # some notebooks fail: CI must notice
    report = json.loads((out / "report.json").read_text())
    by_name = {r["notebook"].split("/")[-1].removesuffix(".ipynb"): r for r in report["notebooks"]}
    assert set(by_name) == set(NOTEBOOKS) and report["passed"] is False

    assert by_name["01-fast"]["status"] == "passed"
    raised = by_name["02-raises"]
    assert (raised["status"], raised["cell"], raised["ename"], raised["evalue"]) == \
        ("failed", 1, "ValueError", "broken lesson")
    big = by_name["03-memory"]
    assert big["status"] == "passed" and big["peak_memory"] >= 500 * MIB
    assert by_name["01-fast"]["peak_memory"] < big["peak_memory"]
    assert by_name["04-forever"]["status"] == "timeout"
    assert by_name["04-forever"]["cpu_seconds"] >= 5  # it really spun, inside its cgroup
    net = by_name["05-network"]
    assert net["status"] == "failed" and net["ename"] in ("URLError", "OSError", "gaierror")
    for r in report["notebooks"]:
        assert r["wall_seconds"] > 0 and r["cpu_seconds"] > 0

    rec = report["recommendation"]
    assert rec["memory"] >= 500 * MIB * 1.5 and rec["memory_guarantee"] == rec["memory"]
    assert "policies:" in report["policy_snippet"] and "learners:" in report["policy_snippet"]
    md, page = (out / "report.md").read_text(), (out / "report.html").read_text()
    assert "| lessons/02-raises.ipynb | failed |" in md and "cell 1: ValueError: broken lesson" in md
    assert "<table>" in page and "02-raises.ipynb" in page
    assert "passed lessons/01-fast.ipynb" in done.stderr  # progress as it goes
    assert "**3 of 5 notebooks failed**" in md and "3 of 5 notebooks failed" in page
    assert (report["failed"], report["total"]) == (3, 5)
    assert leftovers(done.pid) == (set(), set())  # no cgroup, no copy of the course left


def test_a_passing_course_from_git_exits_zero(tmp_path, python):
    repo = make_repo(tmp_path / "repo", {"intro": ["print('hello')"], "numbers": ["sum(range(10))"]})
    done = check(f"file://{repo}", "--python", python, "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All 2 notebooks passed" in done.stdout


def test_memory_limit_stops_a_notebook_that_needs_more(tmp_path, python):
    course = make_course(tmp_path / "course", {"03-memory": NOTEBOOKS["03-memory"]})
    done = check(str(course), "--python", python, "--memory", "256M", "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    (result,) = json.loads((tmp_path / "out" / "report.json").read_text())["notebooks"]
    assert result["status"] in ("died", "failed") and result["peak_memory"] <= 256 * MIB


@pytest.mark.parametrize("args, says", [
    (["/nonexistent/course"], "no such directory"),
    (["/tmp/" + "x" * 300], "cannot read it (File name too long)"),
    (["file:///nonexistent/repo.git"], "cannot clone"),
    (["{empty}"], "no notebooks"),
    (["{empty}", "--memory", "lots"], "--memory 'lots'"),
])
def test_bad_input_is_explained(tmp_path, python, args, says):
    (tmp_path / "empty").mkdir()
    args = [a.replace("{empty}", str(tmp_path / "empty")) for a in args]
    done = check(*args, "--python", python, "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and says in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_without_python_it_uses_the_environment_up_built(tmp_path, python):
    """One notion of "built" (issue 9): a site whose data dir has no tags yet, on a machine where the
    default environment's venv exists (as `campushub up` leaves it), runs the check without --python."""
    config = tmp_path / "campushub.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n")
    course = make_course(tmp_path / "course", {"intro": ["import sys", "print(sys.prefix)"]})
    done = check(str(course), "--config", str(config), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not built" not in done.stderr
