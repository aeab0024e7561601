"""`campushub users export FILE` is run as root, often into a shared folder such as /tmp.

The export was written with Path.write_text: through a link another account
planted at that name (this machine, like many containers, has
fs.protected_symlinks off), so root overwrote whatever file the link named
with the class list; into a file that account had made there beforehand,
which it could then read; and otherwise readable by every account (0644) though
it lists everyone's names, groups and admin flags. Now the file is written
under a temporary name (0600) and renamed into place: a planted link or
another account's file is replaced, never written through."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ...harness import campushub


@pytest.fixture
def shared():
    """A sticky folder every account can write to, as /tmp (pytest's own folder is root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="campushub-shared-"))
    os.chmod(folder, 0o1777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def test_export_does_not_write_through_a_planted_link(people_hub, shared, tmp_path):
    victim = tmp_path / "root-only"
    victim.write_text("root's file\n")
    os.symlink(victim, shared / "people.csv")
    done = campushub("users", "export", str(shared / "people.csv"), "--data-dir", str(people_hub.data_dir))
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "root's file\n"
    written = shared / "people.csv"
    assert not written.is_symlink() and written.read_text().startswith("username,display_name,groups,admin\n")
    assert written.stat().st_mode & 0o077 == 0  # names, groups and admin flags of everyone


def test_export_does_not_fill_a_file_another_account_made_for_it(people_hub, shared):
    nobody = pwd.getpwnam("nobody")
    planted = shared / "people.csv"
    subprocess.run(["touch", str(planted)], user=nobody.pw_uid, check=True)
    with open(planted) as theirs:  # what that account holds open, waiting for the export
        done = campushub("users", "export", str(planted), "--data-dir", str(people_hub.data_dir))
        assert done.returncode == 0, done.stderr
        assert theirs.read() == ""  # nothing of the class list reached their file
    written = planted.stat()
    assert (written.st_uid, written.st_mode & 0o777) == (os.geteuid(), 0o600)
    assert planted.read_text().startswith("username,display_name,groups,admin\n")
    assert [p.name for p in shared.iterdir()] == ["people.csv"]  # no temporary file left
