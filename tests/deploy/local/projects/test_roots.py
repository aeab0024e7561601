"""The claim's files read without trusting what lies there, and the machine-wide record of claimed
roots (nested roots: tests/deploy/local/projects/test_attack_sites_nested.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from campushub.deploy.local.projects import claim, folders, roots

from .test_sites import site_config

NOBODY = 65534


@pytest.mark.parametrize("plant", ["fifo", "link", "not root's", "group-writable", "huge"])
def test_a_planted_marker_refuses_up_at_once_and_is_left_as_it_is(root, tmp_path, plant):
    # someone able to write in the root (a nested root's outer site's member) replaced the marker
    root.mkdir(mode=0o711)
    marker = root / claim.MARKER
    target = tmp_path / "elsewhere"
    target.write_text(f"{tmp_path / 'site'}\n")
    if plant == "fifo":
        os.mkfifo(marker)  # the old open() blocked here for good, holding the root's lock
    elif plant == "link":
        marker.symlink_to(target)  # the old open() refused links already; now the line says what to do
    else:
        marker.write_text("x" * 5000 if plant == "huge" else f"{tmp_path / 'site'}\n")
        if plant == "not root's":
            os.chown(marker, NOBODY, NOBODY)
        if plant == "group-writable":
            os.chmod(marker, 0o664)
    before = os.lstat(marker)
    # in a child with a deadline: a hang fails the test instead of stopping the run
    code = ("import sys; from campushub.config import validate; from campushub.deploy.local.projects import claim; "
            "print(claim.for_up(validate({'data_dir': sys.argv[1], 'projects': {'root': sys.argv[2]}})))")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "site"), str(root)],
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == (f"the projects root's {claim.MARKER} is not a file of root's (a link, a pipe or "
                                     "someone else's); remove it as root and run campushub up again"), result.stderr
    after = os.lstat(marker)
    assert (after.st_ino, after.st_mode, after.st_uid) == (before.st_ino, before.st_mode, before.st_uid)
    assert target.read_text() == f"{tmp_path / 'site'}\n"


def test_claims_are_recorded_and_a_removed_root_is_forgotten(root, tmp_path, roots_records):
    assert claim.for_up(site_config(tmp_path / "a", root)) is None
    recorded = [(roots_records / name).read_text() for name in os.listdir(roots_records)]
    assert recorded == [f"{root}\n"]
    info = os.stat(roots_records)
    assert (info.st_uid, info.st_mode & 0o022) == (0, 0)
    subprocess.run(["rm", "-rf", "--", str(root)], check=True)
    # a later site around where it was is not refused, and the stale record goes
    outer = root.parent / f"{root.name}-outer"
    try:
        assert roots.nested(outer / "x", str(tmp_path / "b")) is None
        assert roots.nested(root.parent, str(tmp_path / "b")) is None
        assert os.listdir(roots_records) == []
    finally:
        subprocess.run(["rm", "-rf", "--", str(outer)])


def test_a_records_folder_others_can_write_to_refuses_up(root, tmp_path, roots_records):
    roots_records.mkdir(parents=True)
    os.chmod(roots_records, 0o777)  # whoever can write there could forge or remove records
    refused = claim.for_up(site_config(tmp_path / "a", root))
    assert refused == (f"{roots_records} is not root's alone (owner uid 0, mode 777); make it root:root 0755 and "
                       "run campushub up again")
    assert os.listdir(roots_records) == []


def test_the_same_site_may_claim_again_and_a_new_folder_is_still_adopted(root, tmp_path):
    assert claim.for_up(site_config(tmp_path / "a", root)) is None
    assert claim.for_up(site_config(tmp_path / "a", root)) is None
    fd = folders.open_root(root)
    try:
        assert not os.path.lexists(root / "x-new")
        folders.ensure_folder(fd, "x-new", 4242)  # made by this call (gid 0): adopted; no group needed here
    finally:
        os.close(fd)
    assert os.stat(root / "x-new").st_gid == 4242


def test_ups_early_check_changes_nothing(root, tmp_path):
    # `up` asks before making its data dir; only an `up` past its last refusal claims (cli/up.py)
    assert claim.refusal(site_config(tmp_path / "a", root)) is None
    assert not os.path.lexists(root)
    assert claim.for_up(site_config(tmp_path / "a", root)) is None
    listed = sorted(os.listdir(root))
    assert claim.refusal(site_config(tmp_path / "a", root)) is None
    assert claim.refusal(site_config(tmp_path / "b", root)).startswith(f"projects.root {root} belongs to the site at ")
    assert claim.refusal(site_config(tmp_path / "b", root / "x")).startswith(f"projects.root {root / 'x'} lies inside")
    assert sorted(os.listdir(root)) == listed and not os.path.lexists(root / "x")
