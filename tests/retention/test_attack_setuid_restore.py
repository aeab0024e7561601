"""A restore run as root into a root-owned folder (an operator's shell:
`python -m campushub.retention.job restore ARCHIVE /some/new/folder`)
extracts as root. Before, an archive's setuid program came back as a
root-owned setuid program (a learner's way to root: archive a 4755 file,
ask for a restore). Now setuid and setgid are dropped when extracting as
root; the Job's real command on real files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime

from campushub.retention.archive import archive_name, write_archive


def test_a_restore_as_root_makes_no_setuid_or_setgid_root_files(tmp_path):
    home, dest, back = tmp_path / "ann", tmp_path / "store" / archive_name("ann", datetime.now(UTC)), tmp_path / "b"
    (home / "shared").mkdir(parents=True)
    os.chmod(home / "shared", 0o2775)
    (home / "tool").write_bytes(b"#!/bin/sh\nid\n")
    os.chmod(home / "tool", 0o4755)
    (home / "drop").mkdir()
    os.chmod(home / "drop", 0o1777)
    dest.parent.mkdir()
    write_archive(home, dest, "ann")
    back.mkdir()
    r = subprocess.run([sys.executable, "-I", "-m", "campushub.retention.job", "restore", str(dest), str(back),
                        "--user=ann"], capture_output=True, text=True, cwd="/")
    assert r.returncode == 0 and json.loads(r.stdout)["ok"], r.stdout + r.stderr
    assert os.stat(back / "tool").st_uid == 0
    assert stat.S_IMODE(os.stat(back / "tool").st_mode) == 0o755
    assert stat.S_IMODE(os.stat(back / "shared").st_mode) == 0o775
    assert stat.S_IMODE(os.stat(back / "drop").st_mode) == 0o1777  # sticky is harmless: kept
    assert (back / "tool").read_bytes() == b"#!/bin/sh\nid\n"
