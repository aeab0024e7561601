"""Attacks through the archive folder: whoever can change it can swap an
archive and its manifest for their own, which a restore then extracts into
the named person's home as that person (a .bashrc that runs as them).
Apply and restore refuse a folder, or an archive, that is not root's alone."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime

import pytest

from campushub.deploy.local.retention_homes import LocalHomes
from campushub.retention.archive import archive_name, manifest_path, write_archive
from campushub.retention.backend import RetentionError
from campushub.retention.model import Home, Person

from .trees import make_tree

WHEN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LEARNER = 65533


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "homes" / "a2t-ann"
    path.parent.mkdir()
    make_tree(path)
    yield path
    # a restore that went ahead (this fix undone) made the account: leave no account behind
    subprocess.run(["userdel", "--remove", "a2t-ann"], capture_output=True)


def _archive(backend: LocalHomes, home, store):
    dest = store / archive_name("ann", WHEN)
    return dest, lambda: backend.archive(Person("ann"), Home(str(home), True), str(dest), None)


def test_apply_refuses_an_archive_folder_inside_a_folder_anyone_can_write(tmp_path, home):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)  # not sticky: anyone may rename the archive folder away and put theirs
    store = shared / "archive"
    dest, run = _archive(LocalHomes(str(home.parent), "a2t-", str(store)), home, store)
    with pytest.raises(RetentionError, match="not root's alone"):
        run()
    assert not dest.exists()


def test_apply_refuses_an_archive_folder_a_learner_owns(tmp_path, home):
    store = tmp_path / "archive"
    store.mkdir(mode=0o700)
    os.chown(store, LEARNER, LEARNER)
    dest, run = _archive(LocalHomes(str(home.parent), "a2t-", str(store)), home, store)
    with pytest.raises(RetentionError, match="belongs to uid 65533"):
        run()
    assert not dest.exists()


def test_apply_writes_into_roots_folder_below_a_sticky_one(tmp_path, home):
    sticky = tmp_path / "tmp"
    sticky.mkdir()
    os.chmod(sticky, 0o1777)  # like /tmp: others cannot rename what is root's
    store = sticky / "archive"
    dest, run = _archive(LocalHomes(str(home.parent), "a2t-", str(store)), home, store)
    assert run()["user"] == "ann" and dest.is_file()


def test_restore_refuses_an_archive_in_a_folder_anyone_can_write(tmp_path, home):
    drop = tmp_path / "drop"
    drop.mkdir()
    os.chmod(drop, 0o777)
    planted = drop / archive_name("ann", WHEN)
    write_archive(home, planted, "ann")  # a crafted archive would look just as good
    backend = LocalHomes(str(tmp_path / "no-homes"), "a2t-", str(tmp_path / "archive"))
    with pytest.raises(RetentionError, match="not root's alone"):
        backend.restore("ann", str(planted), force=False)
    assert not (tmp_path / "no-homes").exists()


def test_restore_refuses_a_manifest_someone_else_can_write(tmp_path, home):
    store = tmp_path / "archive"
    store.mkdir(mode=0o700)
    dest = store / archive_name("ann", WHEN)
    write_archive(home, dest, "ann")
    os.chown(manifest_path(dest), LEARNER, LEARNER)
    backend = LocalHomes(str(tmp_path / "no-homes"), "a2t-", str(store))
    with pytest.raises(RetentionError, match="belongs to uid 65533"):
        backend.restore("ann", str(dest), force=False)
