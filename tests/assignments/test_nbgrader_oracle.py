"""nbgrader as the oracle: the same submissions of the ps1 fixture graded by
`nbgrader autograde` (0.9.6, the real CLI in a course directory of its own)
and by CampusHub's grading engine (grading.engine.Grader, sandbox on, as the
service and `campushub grade` use it) must score the same, per notebook and
per grade cell. Both kernels run the site's default environment.

Learners who hide their failures: replacing IPython's showtraceback or
installing a custom exception handler leaves no error output, yet nbgrader
0.9.6 scores those the same as we do (its Execute preprocessor adds the
execute_reply's error to the cell), so they are compared like the rest.
Where the two deliberately differ, the test says so and checks the
difference: a learner's pre_run_cell hook that prints a result of its own
before every test makes nbgrader read that as the test's result (it takes
the first execute_result), so it awards a failing test and raises partial
credit; CampusHub judges pass/fail from the kernel's execute_reply status
and takes the lowest result, so neither happens. Warnings on stderr cost the
points in both, unless `stderr_harmless` is on (ours only).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from campushub.config import validate
from campushub.deploy.local import environments

FIXTURE = Path(__file__).parent / "fixtures" / "ps1"
VENV_BIN = Path(sys.executable).parent  # nbgrader runs `alembic` from PATH
NOTEBOOKS = ("problem1", "problem2")

pytestmark = pytest.mark.stack  # sandboxed kernels for every submission

# The correct answers are the source's solutions; each submission changes
# some answer cells of the student version (grade id -> new source).
HIDE_TRACEBACKS = "get_ipython().showtraceback = lambda *args, **kwargs: None\n"
CUSTOM_EXC = "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)\n"
# Before every later cell, print a result of the learner's own: nbgrader takes the first
# execute_result it finds as the test's partial credit, before the error that follows it.
FAKE_RESULT = ("def _looks_passed(*args, **kwargs):\n    get_ipython().displayhook('all tests passed')\n"
               "get_ipython().events.register('pre_run_cell', _looks_passed)\n")
WARN = "import warnings\nwarnings.simplefilter('always')\n"
SUBMISSIONS = {
    "correct": {},
    "blank": None,  # the student version untouched: NotImplementedError everywhere
    "partial": {
        # passes the visible test, fails the hidden isinstance check
        "column_mean": "from fractions import Fraction\ndef column_mean(path):\n    return Fraction(5, 2)\n",
        # two cases of three right: partial credit from the test's float result
        "clamp": "def clamp(x, lo, hi):\n    return min(x, hi)\n",
        "explain": "Because there are no squares to list.",
    },
    "raising": {
        "squares": "raise ValueError('learner code fails before defining squares')\n",
        "fizz": "def fizz(n):\n    return str(n)\nraise RuntimeError('and then fails')\n",
    },
    "warning": {
        "squares": WARN + "def squares(n):\n    warnings.warn('squares is slow')\n"
                          "    return [i * i for i in range(1, n + 1)]\n",
    },
    "hides_tracebacks": {"squares": HIDE_TRACEBACKS + "def squares(n):\n    raise NotImplementedError()\n"},
    "custom_exc": {"squares": CUSTOM_EXC + "def squares(n):\n    return []\n"},
    "fake_result": {"squares": FAKE_RESULT + "def squares(n):\n    raise NotImplementedError()\n"},
    # test_clamp passes 2 of 3 cases; the learner's printed result comes before the cell's own 2.0
    "fake_partial": {"clamp": FAKE_RESULT + "def clamp(x, lo, hi):\n    return min(x, hi)\n"},
}
# nbgrader awards the points to these; we do not.
FOOLS_NBGRADER = {"fake_result", "fake_partial"}


def solution(source: str) -> str:
    """A source cell's code with nbgrader's solution delimiters taken out."""
    return "".join(line for line in source.splitlines(keepends=True)
                   if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def write_submissions(release: Path, out: Path) -> dict[str, Path]:
    """One folder per submission, made from nbgrader's own student version."""
    sources = {nb: nbformat.read(FIXTURE / f"{nb}.ipynb", 4) for nb in NOTEBOOKS}
    folders = {}
    for who, changes in SUBMISSIONS.items():
        folder = out / who
        shutil.copytree(release, folder)
        for nb in NOTEBOOKS:
            student = nbformat.read(folder / f"{nb}.ipynb", 4)
            answers = {} if changes is None else {
                c.metadata["nbgrader"]["grade_id"]: solution(c.source) if c.cell_type == "code"
                else "Squares of nothing: an empty list." for c in sources[nb].cells
                if c.metadata.get("nbgrader", {}).get("solution")}
            answers.update(changes or {})
            for cell in student.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id in answers:
                    cell.source = answers[grade_id]
            nbformat.write(student, folder / f"{nb}.ipynb")
        folders[who] = folder
    return folders


def start_nbgrader(course: Path, *args: str) -> subprocess.Popen:
    # Jupyter's folders inside the course, so nothing is left in the home; `alembic` found on PATH.
    jupyter = {f"JUPYTER_{k}": str(course / ".jupyter" / k.lower()) for k in ("CONFIG_DIR", "DATA_DIR", "RUNTIME_DIR")}
    env = {**os.environ, **jupyter, "JUPYTER_PATH": str(course / ".jupyter" / "path"),
           "IPYTHONDIR": str(course / ".ipython"),
           "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}"}
    # its output into files, not pipes: nobody reads a pipe while it runs in the background
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    proc = subprocess.Popen([str(VENV_BIN / "nbgrader"), *args, "--force"], cwd=course, env=env,
                            stdout=out, stderr=err, text=True)
    proc.output = (out, err)
    return proc


def finish_nbgrader(proc: subprocess.Popen, what: str, kill: bool = False) -> None:
    out, err = proc.output
    try:
        if kill:
            proc.kill()
        proc.wait(900)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
        out.close(), err.close()
    assert kill or proc.returncode == 0, f"nbgrader {what} failed:\n{stdout}\n{stderr[-4000:]}"


def nbgrader(course: Path, *args: str) -> None:
    finish_nbgrader(start_nbgrader(course, *args), args[0])


@pytest.fixture(scope="module")
def course(tmp_path_factory, env_python):
    """An nbgrader course directory with ps1 generated by nbgrader itself; its
    kernel is the same environment's python the CampusHub grader uses."""
    root = tmp_path_factory.mktemp("nbgrader-course")
    (root / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(root)!r}\nc.CourseDirectory.course_id = 'oracle'\n")
    kernel = root / ".jupyter" / "path" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(env_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    shutil.copytree(FIXTURE, root / "source" / "ps1")
    nbgrader(root, "generate_assignment", "ps1")
    return root


@pytest.fixture(scope="module")
def submissions(course, tmp_path_factory):
    return write_submissions(course / "release" / "ps1", tmp_path_factory.mktemp("submissions"))


@pytest.fixture(scope="module")
def graded(course, submissions, env_python, tmp_path_factory):
    """Both graders on every submission, nbgrader's `autograde` in the background while ours grades
    (neither reads what the other writes): (nbgrader's scores, ours), each
    {who: {notebook: {grade_id: points}}}; nbgrader's from its gradebook."""
    from nbgrader.api import Gradebook

    for who, folder in submissions.items():
        shutil.copytree(folder, course / "submitted" / who / "ps1")
    autograde = start_nbgrader(course, "autograde", "ps1")
    try:
        ours = grade_all(env_python, tmp_path_factory.mktemp("scratch"), submissions)
    except BaseException:
        finish_nbgrader(autograde, "autograde", kill=True)
        raise
    finish_nbgrader(autograde, "autograde")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        oracle = {who: {nb: {g.name: g.auto_score for g in gb.find_submission_notebook(nb, "ps1", who).grades}
                        for nb in NOTEBOOKS} for who in submissions}
    return oracle, ours


@pytest.fixture(scope="module")
def oracle(graded):
    """nbgrader's scores: {who: {notebook: {grade_id: auto_score}}}."""
    return graded[0]


@pytest.fixture(scope="module")
def env_python(tmp_path_factory):
    """The site's default environment, which both graders' kernels run in."""
    config = validate({"data_dir": str(tmp_path_factory.mktemp("site"))})
    env = environments.built_default_env(config) or \
        environments.default_env_dir(config, environments.ensure_environments(config))
    return env / "bin" / "python"


def grade_all(python: Path, scratch: Path, submissions: dict[str, Path], **settings) -> dict:
    """CampusHub's scores, {who: {notebook: {grade_id: auto_points}}}, from its grading engine."""
    from campushub.assignments.grading.engine import Grader

    source = {f"{nb}.ipynb": (FIXTURE / f"{nb}.ipynb").read_bytes() for nb in NOTEBOOKS}
    data = {"data/numbers.csv": (FIXTURE / "data" / "numbers.csv").read_bytes()}
    with Grader(str(python), workers=2, scratch_root=scratch, **settings) as grader:
        outcomes = {who: grader.grade(source, {n: (folder / n).read_bytes() for n in source}, data)
                    for who, folder in submissions.items()}
    for who, outcome in outcomes.items():
        assert outcome.error is None, f"{who}: {outcome.error}"
    # Autograded answers (code the tests call) carry no points: nbgrader keeps no grade for them.
    return {who: {nb: {c.grade_id: c.auto_points for c in o.scores[f"{nb}.ipynb"] if c.kind != "autograded"}
                  for nb in NOTEBOOKS} for who, o in outcomes.items()}


@pytest.fixture(scope="module")
def ours(graded):
    """CampusHub's scores, as `oracle`."""
    return graded[1]


def total(cells: dict[str, float | None]) -> float:
    return sum(p or 0.0 for p in cells.values())


@pytest.mark.parametrize("who", [w for w in SUBMISSIONS if w not in FOOLS_NBGRADER])
def test_scores_match_nbgrader(who, oracle, ours):
    for nb in NOTEBOOKS:
        assert ours[who][nb] == oracle[who][nb], f"{who}/{nb}: campushub {ours[who][nb]} != nbgrader {oracle[who][nb]}"
        assert total(ours[who][nb]) == total(oracle[who][nb])


def test_the_submissions_exercise_every_outcome(oracle):
    # Guards the oracle itself: full marks, nothing, partial credit and a hidden test failing all occur.
    p1 = {who: oracle[who]["problem1"] for who in SUBMISSIONS}
    assert p1["correct"] == {"test_squares": 2.0, "test_column_mean": 3.0, "test_clamp": 3.0}
    assert total(p1["blank"]) == 0.0
    assert p1["partial"]["test_clamp"] == 2.0 and p1["partial"]["test_column_mean"] == 0.0
    assert p1["raising"]["test_squares"] == 0.0 and p1["warning"]["test_squares"] == 0.0
    assert p1["hides_tracebacks"]["test_squares"] == p1["custom_exc"]["test_squares"] == 0.0


def test_a_fake_result_earns_nothing_here_unlike_nbgrader(oracle, ours):
    # The deliberate difference: squares raises, so test_squares fails, but nbgrader finds
    # the learner's printed result first and awards it; the kernel replied "error", so we award nothing.
    nbgrader_p1, ours_p1 = oracle["fake_result"]["problem1"], ours["fake_result"]["problem1"]
    assert nbgrader_p1["test_squares"] == 2.0, nbgrader_p1
    assert ours_p1["test_squares"] == 0.0, ours_p1
    # The tests whose answers are right pass in both.
    assert ours_p1["test_column_mean"] == nbgrader_p1["test_column_mean"] == 3.0
    assert ours["fake_result"]["problem2"] == oracle["fake_result"]["problem2"]


def test_a_fake_result_does_not_raise_partial_credit_here_unlike_nbgrader(oracle, ours):
    nbgrader_p1, ours_p1 = oracle["fake_partial"]["problem1"], ours["fake_partial"]["problem1"]
    assert nbgrader_p1["test_clamp"] == 3.0, nbgrader_p1  # the learner's result, read first
    assert ours_p1["test_clamp"] == 2.0, ours_p1  # the cell's own
    assert {k: v for k, v in ours_p1.items() if k != "test_clamp"} == \
        {k: v for k, v in nbgrader_p1.items() if k != "test_clamp"}
    assert ours["fake_partial"]["problem2"] == oracle["fake_partial"]["problem2"]


def test_stderr_harmless_setting_keeps_the_points_of_a_warning(env_python, submissions, oracle, tmp_path):
    # With the setting off we match nbgrader (a stderr line fails the test cell, above);
    # with it on, the warning is harmless and the test passes.
    harmless = grade_all(env_python, tmp_path / "scratch", {"warning": submissions["warning"]}, stderr_harmless=True)
    assert oracle["warning"]["problem1"]["test_squares"] == 0.0
    assert harmless["warning"]["problem1"]["test_squares"] == 2.0
    assert harmless["warning"]["problem1"]["test_clamp"] == oracle["warning"]["problem1"]["test_clamp"]


def test_the_grade_command_gives_nbgrader_scores_too(submissions, oracle):
    # `campushub grade --json`, the offline door to the same engine, on the partly right submission.
    r = subprocess.run([sys.executable, "-m", "campushub", "grade", str(submissions["partial"] / "problem1.ipynb"),
                        "--source", str(FIXTURE / "problem1.ipynb"), "--json"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"campushub grade exited {r.returncode}: {r.stderr[-2000:]}"
    report = json.loads(r.stdout)
    cells = {c["grade_id"]: c["auto_points"] for c in report["cells"] if c["kind"] != "autograded"}
    assert cells == oracle["partial"]["problem1"]
    assert report["auto_points"] == total(oracle["partial"]["problem1"]) == 4.0
