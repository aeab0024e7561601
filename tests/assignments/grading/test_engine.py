"""The grading engine on ordinary submissions: the ps1 fixture scored per
notebook, what enters the sandbox, stderr as the setting says, a notebook out
of time, submissions that are not notebooks, many callers at once, and
close() leaving nothing behind."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import nbformat
import pytest

from campushub.content.check.sandbox import Limits

from .conftest import LIMITS
from .notebooks import answer, grade_test, leftovers, notebook, printed

pytestmark = [pytest.mark.stack, pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox is made by root")]
FIXTURE = Path(__file__).parents[1] / "fixtures" / "ps1"


def ps1() -> tuple[dict[str, bytes], dict[str, bytes]]:
    return ({p.name: p.read_bytes() for p in FIXTURE.glob("*.ipynb")},
            {"data/numbers.csv": (FIXTURE / "data" / "numbers.csv").read_bytes()})


def with_answer(nb_bytes: bytes, grade_id: str, code: str) -> bytes:
    nb = nbformat.reads(nb_bytes.decode(), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = code
    return nbformat.writes(nb).encode()


def points_of(outcome, name: str) -> dict:
    return {c.grade_id: (c.auto_points, c.passed) for c in outcome.scores[name] if c.kind == "tests"}


def test_ps1_scored_per_notebook_with_its_data_file(grader):
    source, files = ps1()
    wrong = dict(source, **{"problem1.ipynb": with_answer(source["problem1.ipynb"], "squares",
                                                             "def squares(n):\n    return list(range(n))")})
    right, partly = grader.grade(source, source, files), grader.grade(source, wrong, files)
    assert right.error is None and partly.error is None
    assert points_of(right, "problem1.ipynb") == {"test_squares": (2.0, True), "test_column_mean": (3.0, True),
                                                 "test_clamp": (3.0, True)}
    assert points_of(partly, "problem1.ipynb")["test_squares"] == (0.0, False)
    assert points_of(partly, "problem1.ipynb")["test_column_mean"] == (3.0, True)  # read data/numbers.csv
    assert set(right.scores) == set(right.executed) == {"problem1.ipynb", "problem2.ipynb"}
    executed = nbformat.reads(right.executed["problem1.ipynb"].decode(), as_version=4)
    assert executed.metadata.language_info.name == "python"


def test_the_assignments_data_files_win_over_the_learners(grader):
    """A learner who submits their own data/numbers.csv (to make a test pass) is graded on the real one."""
    source = notebook(answer("read", "value = open('data/numbers.csv').read()"),
                      grade_test("check", "assert value == 'REAL'"))
    outcome = grader.grade({"nb.ipynb": source}, {"nb.ipynb": source, "data/numbers.csv": b"FAKE",
                                                   "mine.py": b"X = 1"}, {"data/numbers.csv": b"REAL"})
    assert [(c.grade_id, c.auto_points) for c in outcome.scores["nb.ipynb"] if c.kind == "tests"] == [("check", 1.0)]


def test_the_kernel_runs_as_nobody_in_its_own_folder(grader):
    source = notebook(answer("who", "import json, os\nprint(json.dumps([os.getuid(), sorted(os.listdir())]))"),
                      grade_test("t", "assert True"))
    outcome = grader.grade({"nb.ipynb": source}, {"nb.ipynb": source, "helper.py": b""}, {"data/x.csv": b"1"})
    uid, listing = __import__("json").loads(printed(outcome, "who"))
    assert uid == 65534 and listing == ["data", "helper.py", "nb.ipynb"]


def test_missing_and_unreadable_notebooks_score_zero_and_say_why(grader):
    source, files = ps1()
    outcome = grader.grade(source, {"problem2.ipynb": b"{not json"}, files)
    assert outcome.error == "problem1.ipynb: not submitted; problem2.ipynb: not a readable notebook"
    assert all(points in (0.0, None) for name in source for points, _ in points_of(outcome, name).values())
    assert outcome.executed == {}


WARNS = "import sys\nprint('DeprecationWarning: old API', file=sys.stderr)\nassert True"


@pytest.mark.parametrize("harmless, expected", [(False, 0.0), (True, 1.0)])
def test_stderr_fails_a_test_unless_the_setting_makes_it_harmless(python, tmp_path, harmless, expected):
    from campushub.assignments.grading.engine import Grader

    source = notebook(answer("a", "x = 1"), grade_test("warns", WARNS))
    with Grader(python, workers=1, limits=LIMITS, scratch_root=tmp_path / "scratch", stderr_harmless=harmless) as g:
        outcome = g.grade({"nb.ipynb": source}, {"nb.ipynb": source}, {})
    assert [c.auto_points for c in outcome.scores["nb.ipynb"] if c.kind == "tests"] == [expected]


def test_a_notebook_out_of_time_keeps_what_ran_before(python, tmp_path):
    from campushub.assignments.grading.engine import Grader

    source = notebook(answer("a", "x = 1"), grade_test("first", "assert x == 1"),
                      answer("spin", "while True:\n    pass"), grade_test("second", "assert x == 1"))
    limits = Limits(memory=LIMITS.memory, cpu=1.0, pids=64, timeout=8)
    with Grader(python, workers=1, limits=limits, scratch_root=tmp_path / "scratch") as g:
        outcome = g.grade({"nb.ipynb": source}, {"nb.ipynb": source}, {})
        again = g.grade({"nb.ipynb": source.replace(b"while True", b"if False")}, {"nb.ipynb": source}, {})
    assert leftovers(g) == (set(), set())  # the spinning kernel too
    assert [c.auto_points for c in outcome.scores["nb.ipynb"] if c.kind == "tests"] == [1.0, 0.0]
    assert outcome.notes["nb.ipynb"].startswith("timeout")
    executed = nbformat.reads(outcome.executed["nb.ipynb"].decode(), as_version=4)
    assert executed.metadata.campushub.grading_note == outcome.notes["nb.ipynb"]  # what the store keeps
    # the source's test cells, the learner's answers: a fresh kernel, the same endless answer again
    assert [c.auto_points for c in again.scores["nb.ipynb"] if c.kind == "tests"] == [1.0, 0.0]


def test_many_callers_at_once_each_get_their_own_scores(grader):
    def submission(n: int) -> bytes:
        return notebook(answer("a", f"n = {n}"), grade_test("even", "assert n % 2 == 0"))

    results: dict[int, object] = {}
    threads = [threading.Thread(target=lambda n=n: results.__setitem__(
        n, grader.grade({"nb.ipynb": submission(0)}, {"nb.ipynb": submission(n)}, {}))) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {n: results[n].scores["nb.ipynb"][-1].auto_points for n in range(6)} == \
        {n: 1.0 if n % 2 == 0 else 0.0 for n in range(6)}


def test_a_closed_grader_leaves_nothing_and_refuses_work(python, tmp_path):
    from campushub.assignments.grading.engine import Grader, RunnerGone

    g = Grader(python, workers=2, limits=LIMITS, scratch_root=tmp_path / "scratch")
    source = notebook(answer("a", "x = 1"), grade_test("t", "assert x == 1"))
    assert g.grade({"nb.ipynb": source}, {"nb.ipynb": source}, {}).scores["nb.ipynb"][-1].auto_points == 1.0
    assert all(leftovers(g))  # its runners, warm kernels and their cgroups while it is open
    g.close()
    assert leftovers(g) == (set(), set())
    assert not any(str(tmp_path) in line for line in Path("/proc/self/mounts").read_text().splitlines())
    with pytest.raises(RunnerGone):
        g.grade({"nb.ipynb": source}, {"nb.ipynb": source}, {})


def test_cgroups_of_a_killed_grader_are_removed_at_the_next_start(python, tmp_path):
    """A service killed with SIGKILL leaves its (empty) kernel cgroups; the next Grader removes those of
    processes that are gone, and never those of a live process (this one's, here)."""
    import subprocess

    from campushub.assignments.grading.engine import Grader
    from campushub.assignments.grading.worker import PREFIX
    from campushub.content.check import meter
    from campushub.deploy.local.spawner import cgroups

    dead = subprocess.Popen(["true"])
    dead.wait()
    hierarchy = meter.backend()
    gone, alive = f"{PREFIX}test00-{dead.pid}-0000", f"{PREFIX}test00-{os.getpid()}-0000"
    for name in (gone, alive):
        hierarchy.create(name, cgroups.Limits(cpu=1, memory=2**28, pids=8))
    try:
        with Grader(python, workers=1, limits=LIMITS, scratch_root=tmp_path / "scratch"):
            pass
        names = {p.name for p in Path(hierarchy.procs_files(alive)[0]).parent.parent.iterdir()}
        assert gone not in names and alive in names
    finally:
        hierarchy.remove(gone)
        hierarchy.remove(alive)
