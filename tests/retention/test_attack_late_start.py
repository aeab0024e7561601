"""A person whose server starts while apply compares their home with its
archive (seconds, for a big home): the home must not be deleted under it.

A real unix account and a real process of it; the only stand-in is when
it starts: the comparison is wrapped to start it meanwhile, as a spawn
would (no hub needed for that)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from campushub.deploy.local import retention_homes
from campushub.deploy.local.retention_homes import LocalHomes
from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name
from campushub.retention.archive import write_archive
from campushub.retention.backend import RetentionError
from campushub.retention.model import Home, Person

from ..harness import TEST_PREFIX

NAME = "ret-late"


@pytest.fixture
def account(tmp_path):
    unix = unix_name(NAME, TEST_PREFIX)
    entry = ensure_user(unix, str(tmp_path / "homes"), owner=NAME)
    started = []
    yield entry, started
    for process in started:
        process.kill()
        process.wait()
    subprocess.run(["userdel", "--remove", unix], capture_output=True)


def test_a_server_that_starts_while_the_home_is_compared_keeps_its_home(tmp_path, account, monkeypatch):
    entry, started = account
    home = Path(entry.pw_dir)
    (home / "work.ipynb").write_text("{}")
    store = tmp_path / "archive"
    store.mkdir(mode=0o700)
    manifest = write_archive(home, store / "late.tar.gz", NAME)
    real = retention_homes.home_changed

    def compare_while_a_server_starts(root, manifest):
        started.append(subprocess.Popen(["sleep", "600"], user=entry.pw_name))
        return real(root, manifest)

    monkeypatch.setattr(retention_homes, "home_changed", compare_while_a_server_starts)
    backend = LocalHomes(str(home.parent), TEST_PREFIX, str(store))
    with pytest.raises(RetentionError, match="processes of the account"):
        backend.delete(Person(NAME), Home(str(home), True), manifest)
    assert (home / "work.ipynb").is_file()


def test_a_home_the_account_does_not_own_is_neither_archived_nor_deleted(tmp_path, account):
    """An account mapped by hand whose home is a folder of someone else's (a shared or a system folder)."""
    entry, _ = account
    home = Path(entry.pw_dir)
    (home / "course-data.csv").write_text("everyone's\n")
    os.chown(home, 0, 0)
    store = tmp_path / "archive"
    backend = LocalHomes(str(home.parent), TEST_PREFIX, str(store))
    with pytest.raises(RetentionError, match="not its own home"):
        backend.archive(Person(NAME), Home(str(home), True), str(store / "x.tar.gz"), None)
    assert (home / "course-data.csv").is_file() and not (store / "x.tar.gz").exists()
