"""A delete that stops partway, and a unix account that cannot be removed
after its home was (review 14B finding 4): the audit log must not say
"home kept" when the home is gone or half gone, a partly deleted home must
not be archived again (its partial archive would become the newest), and
a default restore takes the archive a verify step passed.

Real unix account and home; the partial delete is real too (a file made
immutable with chattr +i, which even root cannot remove). The failing
userdel is a stand-in (remove_user returning what userdel prints when
/etc/passwd is locked): locking the real file would fail every other
account change on the machine meanwhile."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from campushub.config import loads
from campushub.deploy.local import retention_homes
from campushub.deploy.local.retention_homes import LocalHomes
from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name
from campushub.retention import apply as engine
from campushub.retention.archive import archive_name, write_archive
from campushub.retention.audit import AuditLog
from campushub.retention.model import Person
from campushub.retention.plan import make_plan

from ..harness import TEST_PREFIX

NAME = "ret-partial"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def setup(tmp_path):
    unix = unix_name(NAME, TEST_PREFIX)
    homes = Path(tempfile.mkdtemp(prefix="chub-partial-"))  # the restore runs as the account: reachable
    os.chmod(homes, 0o711)
    entry = ensure_user(unix, str(homes), owner=NAME)
    home = Path(entry.pw_dir)
    for child in home.iterdir():  # /etc/skel's copies
        child.unlink()
    for n in range(20):
        (home / f"nb{n:02}.ipynb").write_text(f"notebook {n}\n")
    stuck = home / "nb10.ipynb"
    store = tmp_path / "archive"
    config = loads(f"retention:\n  enabled: true\n  archive_dir: {store}\n  rules:\n    - group: finished\n")
    backend = LocalHomes(str(home.parent), TEST_PREFIX, str(store))
    yield home, stuck, store, config, backend, AuditLog(tmp_path / "audit.jsonl")
    subprocess.run(["chattr", "-i", str(stuck)], capture_output=True)
    subprocess.run(["userdel", "--remove", unix], capture_output=True)
    shutil.rmtree(homes)


def plan(config, backend, when=NOW):
    return make_plan([Person(NAME, groups=("finished",))], config, backend, when)


def test_a_delete_that_stops_partway_is_logged_so_and_not_archived_again(setup):
    home, stuck, store, config, backend, audit = setup
    subprocess.run(["chattr", "+i", str(stuck)], check=True)
    first = plan(config, backend)
    (result,) = engine.apply_plan(first, backend, audit)
    assert result["outcome"] == "failed" and result["step"] == "delete" and result["home_kept"] is False
    assert "partly deleted" in result["why"]
    failed = audit.read()[-1]
    assert failed["action"] == "failed" and failed["home_kept"] is False
    assert stuck.exists() and len(list(home.iterdir())) < 20  # really half gone

    subprocess.run(["chattr", "-i", str(stuck)], check=True)
    (again,) = engine.apply_plan(plan(config, backend, NOW + timedelta(days=7)), backend, audit)
    assert again["outcome"] == "skipped" and "stopped partway" in again["why"]
    assert len(list(store.glob("*.tar.gz"))) == 1  # the remains were not archived

    # a newer archive no verify step passed (a run that failed, a copy by hand) is not the default
    write_archive(home, store / archive_name(NAME, NOW + timedelta(days=1)), NAME)
    restored = engine.restore(NAME, backend, audit, force=True)
    assert restored["archive"] == first.items[0].archive
    assert sorted(p.name for p in home.iterdir()) == [f"nb{n:02}.ipynb" for n in range(20)]
    # restored: the next run archives (and deletes) as usual
    (third,) = engine.apply_plan(plan(config, backend, NOW + timedelta(days=8)), backend, audit)
    assert third["outcome"] == "deleted", third


def test_a_userdel_that_fails_after_the_home_went_is_a_note_on_the_deleted_line(setup, monkeypatch):
    home, _, _, config, backend, audit = setup

    def locked(unix):
        return subprocess.CompletedProcess(["userdel", unix], 10, "", "userdel: cannot lock /etc/passwd; "
                                           "try again later.\n")

    monkeypatch.setattr(retention_homes, "remove_user", locked)
    (result,) = engine.apply_plan(plan(config, backend), backend, audit)
    assert result["outcome"] == "deleted" and "userdel" in result["why"] and "cannot lock" in result["why"]
    assert not home.exists()
    last = audit.read()[-1]
    assert last["action"] == "deleted" and "cannot lock" in last["note"]
