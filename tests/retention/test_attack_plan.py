"""A learner's home that cannot be measured must not stop retention for everyone else.

Reproduced with a tree deeper than Python's recursion (the walk went one
generator deeper per folder): `campushub retention plan` and `apply` then
ended in a traceback for the whole site, so one learner could keep every
home beyond the policy. That home is now a skipped line of the plan, with
the reason, and the others are planned as usual. Real folders on disk with
the local backend (no unix accounts: none of these names exists)."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime

from campushub.config import loads
from campushub.deploy.local.retention_homes import LocalHomes
from campushub.deploy.local.spawner.unix_users import unix_name
from campushub.retention.model import Person
from campushub.retention.plan import make_plan

PREFIX = "a1x-"
SITE = """
retention:
  archive_dir: /srv/archive
  rules:
    - group: finished
"""


def _deep(home, levels: int) -> None:
    home.mkdir(parents=True)
    fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):  # relative to the last one: the whole path is longer than PATH_MAX
            os.mkdir("d", dir_fd=fd)
            deeper = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = deeper
    finally:
        os.close(fd)


def test_a_home_that_cannot_be_measured_is_skipped_and_the_others_planned(tmp_path):
    root = tmp_path / "homes"
    try:
        _plan_beside_a_deep_home(root)
    finally:
        subprocess.run(["rm", "-rf", str(root)], check=True)  # rm walks any depth; pytest's cleanup may not


def _plan_beside_a_deep_home(root) -> None:
    _deep(root / unix_name("deep", PREFIX), 1500)
    plain = root / unix_name("plain", PREFIX)
    plain.mkdir()
    (plain / "notes.txt").write_text("hello")
    backend = LocalHomes(str(root), PREFIX, "/srv/archive")
    people = [Person("deep", groups=("finished",)), Person("plain", groups=("finished",))]
    plan = make_plan(people, loads(SITE), backend, datetime(2026, 12, 1, tzinfo=UTC))
    got = {item.user.name: item for item in plan.items}
    assert got["plain"].action == "archive" and got["plain"].home.files == 1
    assert got["deep"].action == "skip" and "cannot be measured" in got["deep"].why
    assert plan.to_json()["totals"]["archive"] == 1
