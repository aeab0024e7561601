"""The job runner a Kubernetes Job uses (run here on plain files, for real) and the audit log."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from campushub.retention.audit import AuditLog

from .trees import make_tree, snapshot


def job(*args):
    r = subprocess.run([sys.executable, "-I", "-m", "campushub.retention.job", *map(str, args)],
                       capture_output=True, text=True, cwd="/")
    return r.returncode, json.loads(r.stdout)


def test_job_archive_verify_restore(tmp_path):
    home, dest, back = tmp_path / "home", tmp_path / "store" / "ann-1.tar.gz", tmp_path / "back"
    make_tree(home)
    status, out = job("archive", home, dest, "--user", "ann")
    assert status == 0 and out["ok"] and out["user"] == "ann" and "entries" not in out
    status, measured = job("measure", home)
    assert (measured["files"], measured["bytes"]) == (out["files"], out["bytes"])
    assert job("verify", dest) == (0, {"ok": True, "files": out["files"], "bytes": out["bytes"], "reason": ""})
    back.mkdir()
    (back / "stray").write_text("x")
    status, refused = job("restore", dest, back)
    assert status == 1 and "not empty" in refused["reason"]
    os.unlink(back / "stray")
    status, restored = job("restore", dest, back)
    assert status == 0 and restored["files"] == out["files"]
    assert snapshot(back) == snapshot(home)
    dest.write_bytes(dest.read_bytes()[:100])
    status, bad = job("verify", dest)
    assert status == 1 and not bad["ok"] and bad["reason"]


def test_audit_lines_are_appended_and_a_torn_line_is_skipped(tmp_path):
    log = AuditLog(tmp_path / "retention" / "audit.jsonl")
    log.record("archived", "ann", archive="/a/ann.tar.gz")
    with open(log.path, "a") as f:
        f.write('{"time": "torn')  # a crash mid-line
    log.path.write_text(log.path.read_text() + "\n")
    log.record("deleted", "ann")
    lines = log.read()
    assert [(line["action"], line["user"]) for line in lines] == [("archived", "ann"), ("deleted", "ann")]
    assert lines[0]["by"] and lines[0]["time"].endswith("+00:00")
    assert os.stat(log.path).st_mode & 0o777 == 0o600
