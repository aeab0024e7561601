"""Bad input gets one line and changes nothing; nothing a notebook or a file
name says reaches the operator's terminal as markup or escape sequences."""

from __future__ import annotations

import json
import os

import pytest

from ..course_factory import make_course
from .conftest import check, leftovers

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs notebooks as nobody in cgroups")


def one_line_error(done, says: str) -> None:
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0 and says in done.stderr, done.stderr


@pytest.mark.parametrize("cpu", ["nan", "inf", "-1", "0"])
def test_cpu_must_be_a_finite_positive_number(tmp_path, python, cpu):
    course = make_course(tmp_path / "course", {"intro": ["print(1)"]})
    done = check(str(course), "--python", python, "--cpu", cpu, "--out", str(tmp_path / "out"))
    one_line_error(done, f"--cpu {float(cpu)}")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["file", "link", "proc"])
def test_an_unwritable_out_is_refused_before_any_notebook_runs(tmp_path, python, where):
    course = make_course(tmp_path / "course", {"intro": ["print(1)"]})
    (tmp_path / "a-file").write_text("")
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "a-link")
    out = {"file": tmp_path / "a-file" / "out", "link": tmp_path / "a-link", "proc": "/proc/campushub-out"}[where]
    done = check(str(course), "--python", python, "--out", str(out))
    one_line_error(done, f"--out {out}: cannot write reports there")
    assert "Running notebooks" not in done.stderr and leftovers(done.pid) == (set(), set())
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_markup_in_a_file_name_and_escapes_in_an_error_stay_inert(tmp_path, python):
    (tmp_path / "course" / "lessons" / "lesson[").mkdir(parents=True)  # "lesson[/bold].ipynb" is a file in "lesson["
    course = make_course(tmp_path / "course", {
        "lesson[/bold]": ["print('fine')"],
        "noisy": ["import sys", "sys.stderr.write('\\x1b[2J\\x1b]0;owned\\x07'); print('\\x1b[31mred')",
                  "raise ValueError('\\x1b[2J\\x1b]2;pwned\\x07 wiped')"],
    })
    done = check(str(course), "--python", python, "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "passed lessons/lesson[/bold].ipynb" in done.stderr
    shown = done.stdout + done.stderr
    assert "\x1b" not in shown and "\x07" not in shown
    assert "ValueError: \\x1b[2J\\x1b]2;pwned\\x07 wiped" in done.stdout  # visible, inert
    md = (tmp_path / "out" / "report.md").read_text()
    assert "\x1b" not in md and "| lessons/lesson[/bold].ipynb | passed |" in md
    by_name = {r["notebook"]: r for r in json.loads((tmp_path / "out" / "report.json").read_text())["notebooks"]}
    assert by_name["lessons/noisy.ipynb"]["status"] == "failed"


def test_a_broken_notebook_file_is_a_failed_notebook(tmp_path, python):
    course = make_course(tmp_path / "course", {"fine": ["print(1)"]})
    (course / "lessons" / "broken.ipynb").write_text('{"cells": [')
    done = check(str(course), "--python", python, "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    by_name = {r["notebook"]: r for r in json.loads((tmp_path / "out" / "report.json").read_text())["notebooks"]}
    assert by_name["lessons/fine.ipynb"]["status"] == "passed"
    broken = by_name["lessons/broken.ipynb"]
    assert broken["status"] == "failed" and broken["error"].startswith("not a readable notebook")


def test_a_source_git_would_read_as_an_option_is_refused(tmp_path, python):
    # matched the user@host: URL form, so it went to `git clone` as `-u <upload-pack>`
    done = check("--python", python, "--out", str(tmp_path / "out"), "--", "-utouch@x:/tmp/campushub-probe")
    one_line_error(done, "starts with '-'")
    assert not (tmp_path / "out").exists()
