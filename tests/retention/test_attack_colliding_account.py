"""Two hub names whose unix names collide (the 32-bit hash suffix of
unix_users.unix_name): the account, marked with its first owner's mark
(unix_users.owner_mark), holds the first person's home. Before the fix a
retention rule selecting the second name (a sign-up of the attacker's)
archived that home under the attacker's name and deleted it; only the
userdel was skipped.

Finding a real 32-bit collision takes hours, so the account is made as the
collision leaves it: named unix_name(ATTACKER), marked as VICTIM's. Real
unix account, real home, the real plan/apply engine and local backend."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from campushub.config import loads
from campushub.deploy.local.retention_homes import LocalHomes
from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name
from campushub.retention import apply as engine
from campushub.retention.archive import write_archive
from campushub.retention.audit import AuditLog
from campushub.retention.backend import RetentionError
from campushub.retention.model import Home, Person
from campushub.retention.plan import make_plan

from ..harness import TEST_PREFIX

VICTIM, ATTACKER = "ret-victim", "ret-mallory"


@pytest.fixture
def collided(tmp_path):
    unix = unix_name(ATTACKER, TEST_PREFIX)
    entry = ensure_user(unix, str(tmp_path / "homes"), owner=VICTIM)
    (Path(entry.pw_dir) / "thesis.ipynb").write_text("the victim's work\n")
    yield entry
    subprocess.run(["userdel", "--remove", unix], capture_output=True)


def test_the_colliding_sign_up_does_not_get_the_victims_home_archived_or_deleted(tmp_path, collided):
    home, store = Path(collided.pw_dir), tmp_path / "archive"
    config = loads(f"retention:\n  enabled: true\n  archive_dir: {store}\n  rules:\n    - group: finished\n")
    backend = LocalHomes(str(home.parent), TEST_PREFIX, str(store))
    audit = AuditLog(tmp_path / "audit.jsonl")
    plan = make_plan([Person(ATTACKER, groups=("finished",))], config, backend, datetime.now(UTC))
    (item,) = plan.items
    assert item.action == "skip" and "made for another hub user" in item.why
    (result,) = engine.apply_plan(plan, backend, audit)
    assert result["outcome"] == "skipped"
    assert (home / "thesis.ipynb").read_text() == "the victim's work\n"
    assert not store.exists() or not list(store.glob("*.tar.gz"))

    # each step refuses on its own too (a plan made before the account changed hands)
    with pytest.raises(RetentionError, match="made for another hub user"):
        backend.archive(Person(ATTACKER), Home(str(home), True), str(store / "x.tar.gz"), None)
    store.mkdir(mode=0o700, exist_ok=True)
    manifest = write_archive(home, store / "x.tar.gz", ATTACKER)
    with pytest.raises(RetentionError, match="made for another hub user"):
        backend.delete(Person(ATTACKER), Home(str(home), True), manifest)
    with pytest.raises(RetentionError, match="made for another hub user"):
        backend.restore(ATTACKER, str(store / "x.tar.gz"), force=True)
    assert (home / "thesis.ipynb").read_text() == "the victim's work\n"
