"""What a learner's kernel can read of the machine. Instructors keep source
folders (the answer key, with hidden tests) wherever they like, world-readable
by default umask: under /opt, or a folder at the root such as /courses. The
sandbox shows the kernel the system (/usr, /etc, ...) and its environment,
not the rest. Real graders (bubblewrap as nobody, cgroups)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from ..grading.notebooks import attack, points, printed

pytestmark = [pytest.mark.stack, pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox is made by root")]
MARK = "ANSWER-KEY-" + "5e2b"
SECRETS = {"JUPYTERHUB_API_TOKEN": "tok-" + "91ac", "CAMPUSHUB_ASSIGNMENTS_DB_URL": "postgresql://u:pw-" + "77d0@db/x"}


@pytest.fixture(scope="module")
def course_folders():
    """Two instructors' source folders, 0755/0644 as a default umask leaves them, made before the grader."""
    folders = [Path(tempfile.mkdtemp(prefix="chub-sec-src-", dir="/opt")),
               Path(tempfile.mkdtemp(prefix="chub-sec-src-", dir="/"))]
    for folder in folders:
        folder.chmod(0o755)
        (folder / "source.ipynb").write_text(f'{{"solution": "{MARK}"}}')
        (folder / "source.ipynb").chmod(0o644)
    yield folders
    for folder in folders:
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def grader(course_folders, python, tmp_path_factory):  # noqa: F811 -- made after the folders exist
    from campushub.assignments.grading.engine import Grader

    from ..grading.conftest import LIMITS

    saved = {k: os.environ.get(k) for k in SECRETS}
    os.environ.update(SECRETS)  # what the service's process holds: its runners inherit it
    try:
        g = Grader(python, workers=1, limits=LIMITS, scratch_root=tmp_path_factory.mktemp("scratch"))
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    yield g
    g.close()


def test_instructors_source_folders_are_out_of_sight(grader, course_folders):
    targets = [str(f / "source.ipynb") for f in course_folders]
    code = f"""import json
found = {{}}
for t in {targets!r}:
    try:
        found[t] = open(t).read()
    except OSError as e:
        found[t] = type(e).__name__
print(json.dumps(found))"""
    source, submission = attack(code, f"assert any({MARK!r} in v for v in found.values())")
    outcome = grader.grade({"nb.ipynb": source}, {"nb.ipynb": submission}, {})
    assert outcome.error is None, outcome.error
    seen = json.loads(printed(outcome))
    assert all(MARK not in v for v in seen.values()), seen
    assert points(outcome) == {"before": 1.0, "achieved": 0.0, "after": 1.0}  # the kernel itself still works


def test_the_services_secrets_are_not_in_the_kernels_environment(grader):
    code = """import os
print(sorted(os.environ))
print(any(v in value for value in os.environ.values() for v in ("tok-91ac", "pw-77d0")))"""
    source, submission = attack(code, "assert True")
    outcome = grader.grade({"nb.ipynb": source}, {"nb.ipynb": submission}, {})
    lines = printed(outcome).splitlines()
    assert lines[-1] == "False" and "JUPYTERHUB_API_TOKEN" not in lines[0], lines
