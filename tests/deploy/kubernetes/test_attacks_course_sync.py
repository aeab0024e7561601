"""Attack: a learner's home content steering the course-sync init container.
It ran `python3 -c PROGRAM` in the home, and Python puts the working
directory first on sys.path for -c (and reads ~/.local's site-packages), so
a json.py or subprocess.py in the home ran in place of the standard
library's: a learner (or a notebook that saved such a file) silently turned
off the course sync, or had their own code run before every server start.
Now the program runs isolated (python3 -I). Run for real as uid 1000, as in
the pod (test_course_sync_run.py's harness)."""

from __future__ import annotations

import os

import pytest

from .test_course_sync_run import as_user, base, env_bin, home, init_container, run, upstream  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs the program as uid 1000, as in the pod")


def test_modules_planted_in_the_home_do_not_run(base, home, env_bin):  # noqa: F811
    py101 = upstream(base, "py101", {"lesson.md": "# Lesson 1\n"})
    container = init_container({"py101": py101})
    planted = "import pathlib; pathlib.Path(__file__).with_name('PLANTED-RAN').touch(); raise SystemExit(3)\n"
    for name in ("json.py", "subprocess.py", "shutil.py"):
        as_user(["sh", "-c", 'printf %s "$1" > "$2"', "-", planted, name], home, {"PATH": "/usr/bin:/bin"})
    done = run(container, home, f"{env_bin}:/usr/bin:/bin")
    assert done.returncode == 0, done.stderr
    assert not (home / "PLANTED-RAN").exists()
    assert (home / "py101" / "lesson.md").read_text() == "# Lesson 1\n"
