"""Something mounted inside a home: a course folder an operator bind-mounted
there, a learner's FUSE mount. Before, the walk went into it: the archive
copied the other file system, and deleting the home emptied it (root's
rmtree: the shared course data gone) before failing on the mount point.
Now that home is a skipped line of the plan and the mounted files stay.
A real tmpfs mount (root), no unix accounts (the names do not exist)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pytest

from campushub.config import loads
from campushub.deploy.local.retention_homes import LocalHomes
from campushub.retention import apply as engine
from campushub.retention.archive import write_archive
from campushub.retention.audit import AuditLog
from campushub.retention.model import Person
from campushub.retention.plan import make_plan

PREFIX = "a2m-"


@pytest.fixture
def homes(tmp_path):
    root = tmp_path / "homes"
    home = root / f"{PREFIX}ann"
    (home / "course").mkdir(parents=True)
    (home / "notes.txt").write_text("ann's\n")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(home / "course")], check=True)
    (home / "course" / "dataset.csv").write_text("everyone's course data\n")
    yield root, home
    subprocess.run(["umount", str(home / "course")], check=True)


def test_a_home_with_a_mount_inside_is_skipped_and_the_mounted_files_stay(tmp_path, homes):
    root, home = homes
    config = loads(f"retention:\n  enabled: true\n  archive_dir: {tmp_path / 'archive'}\n"
                   "  rules:\n    - group: finished\n")
    backend = LocalHomes(str(root), PREFIX, str(tmp_path / "archive"))
    plan = make_plan([Person("ann", groups=("finished",))], config, backend, datetime(2026, 12, 1, tzinfo=UTC))
    (item,) = plan.items
    assert item.action == "skip" and "mounted" in item.why
    engine.apply_plan(plan, backend, AuditLog(tmp_path / "audit.jsonl"))
    assert (home / "course" / "dataset.csv").read_text() == "everyone's course data\n"
    assert (home / "notes.txt").is_file()


def test_the_archive_refuses_to_go_into_a_mount(tmp_path, homes):
    _, home = homes
    with pytest.raises(OSError, match="mounted"):
        write_archive(home, tmp_path / "ann.tar.gz", "ann")
    assert not (tmp_path / "ann.tar.gz").exists()
