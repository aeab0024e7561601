"""What the reports say and who owns them."""

from __future__ import annotations

import json
import os

import pytest

from campushub.content.check import report
from campushub.content.check.outcome import Result

from ..course_factory import make_course
from .conftest import check


def test_the_verdict_counts_failures_not_passes():
    results = [Result("a.ipynb", "passed"), Result("b.ipynb", "failed", evalue="x"), Result("c.ipynb", "passed")]
    files = report.render("course", results)
    assert "**1 of 3 notebooks failed**" in files["report.md"]
    assert "<strong>1 of 3 notebooks failed</strong>" in files["report.html"]
    data = json.loads(files["report.json"])
    assert (data["failed"], data["total"], data["passed"]) == (1, 3, False)
    assert "All 2 notebooks passed" in report.render("course", results[::2])["report.md"]


@pytest.mark.skipif(os.geteuid() != 0, reason="runs notebooks as nobody in cgroups")
def test_reports_belong_to_whoever_ran_sudo_and_links_are_not_followed(tmp_path, python):
    course = make_course(tmp_path / "course", {"intro": ["print(1)"]})
    out = tmp_path / "ci-workspace" / "content-check"
    out.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    os.symlink(victim, out / "report.json")  # planted by whoever controls the workspace
    new_out = tmp_path / "fresh" / "content-check"
    for target in (out, new_out):
        done = check(str(course), "--python", python, "--out", str(target),
                     env={"SUDO_UID": "4242", "SUDO_GID": "4343"})
        assert done.returncode == 0, done.stderr
        for name in ("report.json", "report.md", "report.html"):
            st = os.lstat(target / name)
            assert (st.st_uid, st.st_gid) == (4242, 4343) and not os.path.islink(target / name)
    assert victim.read_text() == "keep me\n"
    for made in (new_out, new_out.parent):  # folders the check made are theirs too, so `git clean` works
        assert (os.stat(made).st_uid, os.stat(made).st_gid) == (4242, 4343)


def test_reports_show_a_git_url_without_its_token():
    from campushub.content.check.course import display
    assert display("https://oauth2:glpat-secret@git.example.org/ml101.git") == "https://git.example.org/ml101.git"
    assert display("git@git.example.org:courses/ml101.git") == "git@git.example.org:courses/ml101.git"
    assert display("/srv/courses/ml101") == "/srv/courses/ml101"
