"""Attacks on archive names: a person who can choose their hub name (a sign-up)
picks one that makes another person's archive file name.

"Ann" (not a plain name) gets the stem "ann-<8 hex>"; before, the plain
name "ann-<those 8 hex>" was used as it is, so both were archived to the
same file in one run (a plan stamps every archive with the same second),
and the second rename replaced the first: Ann's home deleted, her archive
gone."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from campushub.retention.archive import archive_name, archive_stem, manifest_path, write_archive
from campushub.retention.verify import load_manifest, verify

from .trees import make_tree, snapshot

WHEN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_plain_name_shaped_like_a_hashed_stem_gets_another_archive_name():
    victim = "Ann.Smith@uni.example"
    impostor = archive_stem(victim)  # a valid, plain hub name
    assert impostor != victim
    assert archive_name(impostor, WHEN) != archive_name(victim, WHEN)
    assert archive_stem("ann") == "ann" and archive_stem("ann-2026") == "ann-2026"  # plain names stay readable


def test_an_existing_archive_is_never_written_over(tmp_path):
    ann, eve = tmp_path / "ann", tmp_path / "eve"
    make_tree(ann)
    eve.mkdir()
    (eve / "x").write_text("eve's\n")
    store = tmp_path / "store"
    store.mkdir()
    dest = store / archive_name("ann", WHEN)
    write_archive(ann, dest, "ann")
    before = dest.read_bytes()
    with pytest.raises(FileExistsError, match="never written over"):
        write_archive(eve, dest, "eve")
    assert dest.read_bytes() == before
    assert load_manifest(dest)["user"] == "ann"
    assert verify(dest).ok
    assert sorted(os.listdir(store)) == [dest.name, manifest_path(dest).name]  # no temporary left behind


def test_a_failed_archive_leaves_no_file_under_the_archive_name(tmp_path):
    """The empty file that holds the name while the archive is written goes when writing fails."""
    store = tmp_path / "store"
    store.mkdir()
    dest = store / archive_name("ann", WHEN)
    with pytest.raises(OSError):
        write_archive(tmp_path / "no-such-home", dest, "ann")
    assert os.listdir(store) == []


def test_an_archive_still_restores_byte_for_byte_after_the_reservation(tmp_path):
    from campushub.retention.extract import extract

    home = tmp_path / "home"
    make_tree(home)
    dest = tmp_path / archive_name("ann", WHEN)
    write_archive(home, dest, "ann")
    back = tmp_path / "back"
    back.mkdir()
    extract(dest, back)
    assert snapshot(back) == snapshot(home)


# -- reading as root what the home's owner could not ---------------------------------------------------------

LEARNER = 65533  # a uid with no account: the home's owner, as far as the archive is concerned


@pytest.fixture
def planted(tmp_path):
    """A learner's home (owned by LEARNER) with a hard link to a file of root's that only root may read,
    as a learner can make where fs.protected_hardlinks is 0."""
    private = tmp_path / "shadow"
    private.write_text("root:$6$secret\n")
    os.chmod(private, 0o600)
    home = tmp_path / "homes" / "jupyter-eve"
    home.mkdir(parents=True)
    (home / "notes.txt").write_text("eve's own\n")
    os.chown(home / "notes.txt", LEARNER, LEARNER)
    os.chown(home, LEARNER, LEARNER)
    os.link(private, home / "x")
    return home


def test_another_accounts_private_file_in_a_home_is_not_archived_for_its_owner(tmp_path, planted):
    from campushub.deploy.local.retention_homes import LocalHomes
    from campushub.retention.model import Home, Person

    store = tmp_path / "store"
    backend = LocalHomes(str(planted.parent), "jupyter-", str(store))
    dest = store / archive_name("eve", WHEN)
    with pytest.raises(PermissionError, match="another account"):
        backend.archive(Person("eve"), Home(str(planted), True), str(dest), None)
    assert not dest.exists() and not manifest_path(dest).exists()
    assert (planted / "x").exists()  # nothing deleted: the operator looks


def test_a_file_of_another_account_that_all_may_read_is_archived(tmp_path, planted):
    os.chmod(planted / "x", 0o644)  # the owner could read it anyway
    dest = tmp_path / archive_name("eve", WHEN)
    manifest = write_archive(planted, dest, "eve", owner=LEARNER)
    assert "x" in manifest["entries"] and verify(dest).ok


def test_the_job_restores_no_archive_of_someone_else_into_a_home(tmp_path):
    """On Kubernetes `restore bob --archive <ann's>` runs this step in bob's claim: it must refuse."""
    import json
    import subprocess
    import sys

    home, dest, back = tmp_path / "ann", tmp_path / "store" / archive_name("ann", WHEN), tmp_path / "bob"
    make_tree(home)
    dest.parent.mkdir()
    write_archive(home, dest, "ann")
    back.mkdir()
    r = subprocess.run([sys.executable, "-I", "-m", "campushub.retention.job", "restore", str(dest), str(back),
                        "--user", "bob"], capture_output=True, text=True, cwd="/")
    assert r.returncode == 1 and "not of 'bob'" in json.loads(r.stdout)["reason"]
    assert os.listdir(back) == []


def test_the_job_run_by_root_restores_into_someone_elses_folder_as_its_owner(tmp_path):
    """`python -m campushub.retention.job restore` from an operator's root shell into a learner's home:
    before, it extracted as root (files root's; a link the learner swapped in would lead root's writes)."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    home, dest = tmp_path / "ann", tmp_path / "store" / archive_name("ann", WHEN)
    make_tree(home)
    dest.parent.mkdir()
    write_archive(home, dest, "ann")
    with tempfile.TemporaryDirectory(dir="/tmp") as reachable:  # pytest's tmp_path is root's alone
        os.chmod(reachable, 0o755)
        back = Path(reachable) / "back"
        back.mkdir()
        os.chown(back, LEARNER, LEARNER)
        r = subprocess.run([sys.executable, "-I", "-m", "campushub.retention.job", "restore", str(dest),
                            str(back)], capture_output=True, text=True, cwd="/")
        assert r.returncode == 0, r.stdout + r.stderr
        owners = {os.lstat(os.path.join(d, n)).st_uid for d, dirs, files in os.walk(back) for n in dirs + files}
        assert owners == {LEARNER}
        assert snapshot(back) == snapshot(home)
        subprocess.run(["chmod", "-R", "u+rwX", str(back)], check=True)  # read-only folders, for the cleanup


def test_the_kubernetes_jobs_take_a_hub_name_that_begins_with_a_dash(tmp_path):
    """The Jobs' own command lines, run here on plain folders: "--user -ann" read as an option (usage error,
    so that person's home could never be archived or restored)."""
    import json
    import subprocess
    import sys

    from campushub.deploy.kubernetes import retention_job as jobs

    home, store, back = tmp_path / "home", tmp_path / "store", tmp_path / "back"
    make_tree(home)
    store.mkdir()
    back.mkdir()
    name = archive_name("-ann", WHEN)
    places = {jobs.HOME: str(home), f"{jobs.ARCHIVE}/{name}": str(store / name)}
    for action, places[jobs.HOME] in (("archive", str(home)), ("restore", str(back))):
        built = jobs.job(action, user="-ann", claim="claim--ann", archive=name, image="hub:1", namespace="ns",
                         volume={"claim": "archives"}, stamp="1", timeout=60)
        args = [places.get(a, a) for a in built["spec"]["template"]["spec"]["containers"][0]["args"]]
        r = subprocess.run([sys.executable, "-I", "-m", "campushub.retention.job", *args],
                           capture_output=True, text=True, cwd="/")
        assert r.returncode == 0, r.stdout + r.stderr
        assert json.loads(r.stdout)["ok"]
    assert snapshot(back) == snapshot(home)
