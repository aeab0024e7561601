"""A tree nested deeper than Python's recursion limit (any person makes one with mkdir and chdir in a
loop, from a kernel or a terminal) on real files: the walk neither crashes nor follows it down for ever,
retention's plan skips that home with one line, apply keeps it and leaves no archive, and the tree
can still be removed (walk.remove_tree)."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from campushub.config import loads
from campushub.deploy.local.retention_homes import LocalHomes
from campushub.deploy.local.spawner.unix_users import unix_name
from campushub.retention import apply as engine
from campushub.retention import walk
from campushub.retention.archive import write_archive
from campushub.retention.audit import AuditLog
from campushub.retention.model import ARCHIVE, Person
from campushub.retention.plan import make_plan

DEPTH = 1100  # past the default recursion limit of 1000
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def nest(root: Path, depth: int = DEPTH) -> None:
    """As a person does it: mkdir, then go into it, with relative names only."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open("leaf", "w", opener=lambda name, flags: os.open(name, flags, 0o600, dir_fd=fd)) as f:
            f.write("at the bottom")
    finally:
        os.close(fd)


@pytest.fixture
def area():
    # not in /tmp: the archive folder and the folders above it must be root's alone (archive_store.check)
    path = Path(tempfile.mkdtemp(prefix="deep-tree-", dir="/srv"))
    yield path
    walk.remove_tree(path)
    assert not path.exists()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_the_walk_stops_at_its_depth_with_one_line_and_closes_its_folders(area):
    (area / "top.txt").write_text("x")
    nest(area)
    before = open_fds()
    with pytest.raises(walk.TooDeep) as e:
        walk.measure(area)
    assert f"more than {walk.MAX_DEPTH} deep" in e.value.strerror and "\n" not in e.value.strerror
    assert open_fds() == before
    # a generator left half-way closes its folders too
    it = walk.entries(area)
    for _ in range(50):
        next(it)
    it.close()
    assert open_fds() == before


def test_a_tree_as_deep_as_allowed_is_walked_whole(area):
    nest(area, walk.MAX_DEPTH - 1)
    totals = walk.measure(area)
    assert (totals.dirs, totals.files) == (walk.MAX_DEPTH, 1)


def test_an_archive_of_a_too_deep_tree_is_refused_and_nothing_is_left(area):
    home, dest = area / "home", area / "archive" / "home.tar.gz"
    home.mkdir()
    dest.parent.mkdir(mode=0o700)
    nest(home)
    with pytest.raises(walk.TooDeep):
        write_archive(home, dest, "someone")
    assert list(dest.parent.iterdir()) == []


def test_retention_plan_skips_a_too_deep_home_and_apply_keeps_it(area):
    config = loads(f"retention:\n  enabled: true\n  archive_dir: {area / 'archive'}\n  rules:\n    - group: gone\n")
    backend = LocalHomes(str(area / "homes"), "ret-deep-", str(area / "archive"))
    name = "deep-learner"
    home = area / "homes" / unix_name(name, "ret-deep-")  # no unix account: the home by its path
    home.mkdir(parents=True)
    nest(home)
    people = [Person(name, groups=("gone",), created=NOW)]
    plan = make_plan(people, config, backend, NOW)
    (item,) = plan.items
    assert item.action != ARCHIVE and f"more than {walk.MAX_DEPTH} deep" in item.why
    # were it planned anyway (the tree made deep after the plan), apply fails that home and keeps it whole
    item.action, item.home.exists = ARCHIVE, True
    (result,) = engine.apply_plan(plan, backend, AuditLog(area / "audit.jsonl"))
    assert result["outcome"] == "failed" and result["home_kept"] is True
    assert f"more than {walk.MAX_DEPTH} deep" in result["why"]
    assert (home / "d").is_dir() and not any((area / "archive").glob("*.tar.gz*"))


def test_remove_tree_removes_any_depth_where_shutil_cannot(area):
    victim = area / "victim"
    victim.mkdir()
    nest(victim)
    with pytest.raises(RecursionError):
        shutil.rmtree(victim)  # why remove_tree exists
    outside = area / "outside.txt"
    outside.write_text("kept")
    os.symlink(outside, victim / "link")
    walk.remove_tree(victim)
    assert not victim.exists() and outside.read_text() == "kept"


def test_a_restore_replaces_a_deep_folder_where_the_archive_has_a_file(area):
    # restore --force over a home where the person has since made a deep tree under a name the
    # archive holds as a file: the tree goes (shutil.rmtree recursed: RecursionError), the file comes back
    from campushub.retention.extract import extract

    source, target = area / "home", area / "target"
    source.mkdir()
    (source / "notes").write_text("archived")
    archive = area / "store" / "home.tar.gz"
    archive.parent.mkdir(mode=0o700)
    write_archive(source, archive, "ann")
    (target / "notes").mkdir(parents=True)
    nest(target / "notes")
    extract(archive, target)
    assert (target / "notes").read_text() == "archived"
