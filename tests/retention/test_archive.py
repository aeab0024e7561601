"""Archive, verify and extract of a plain tree: the code a local site and a Kubernetes Job both run."""

from __future__ import annotations

import json
import os
import tarfile
from datetime import UTC

import pytest

from campushub.retention.archive import archive_name, archive_stem, manifest_path, write_archive
from campushub.retention.extract import ExtractError, extract
from campushub.retention.verify import verify
from campushub.retention.walk import measure

from .trees import make_tree, snapshot


@pytest.fixture
def archived(tmp_path):
    home = tmp_path / "home"
    make_tree(home)
    dest = tmp_path / "store" / "ann-20261201T000000Z.tar.gz"
    dest.parent.mkdir()
    seen = []
    manifest = write_archive(home, dest, "ann", seen.append)
    return home, dest, manifest, seen


def test_archive_verifies_and_restores_byte_for_byte(archived, tmp_path):
    home, dest, manifest, seen = archived
    totals = measure(home)
    assert (manifest["files"], manifest["bytes"], manifest["dirs"]) == (totals.files, totals.bytes, totals.dirs)
    assert sum(seen) == totals.bytes  # progress saw every byte
    assert manifest["skipped"] == []
    assert not list(dest.parent.glob("*.partial"))
    result = verify(dest)
    assert result.ok, result.reason
    assert (result.files, result.bytes) == (totals.files, totals.bytes)
    again = tmp_path / "again"
    again.mkdir()
    extract(dest, again)
    assert snapshot(again) == snapshot(home)
    assert os.readlink(again / "link-outside") == "/etc/shadow"


def test_truncated_archive_fails_verification(archived):
    _, dest, manifest, _ = archived
    data = dest.read_bytes()
    dest.write_bytes(data[: len(data) // 2])
    result = verify(dest)
    assert not result.ok
    assert "cannot be read back" in result.reason or "missing" in result.reason


def test_flipped_byte_fails_verification(archived):
    _, dest, _, _ = archived
    data = bytearray(dest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dest.write_bytes(bytes(data))
    assert not verify(dest).ok


def test_a_changed_member_fails_even_with_a_fresh_archive_hash(archived, tmp_path):
    """A well-formed archive whose file differs from what the home held."""
    home, dest, manifest, _ = archived
    (home / "script.sh").chmod(0o700)
    (home / "script.sh").write_text("#!/bin/sh\necho changed\n")
    os.utime(home / "script.sh", ns=(0, 0))
    other = write_archive(home, tmp_path / "other.tar.gz", "ann")
    faked = {**other, "entries": {**other["entries"], "script.sh": manifest["entries"]["script.sh"]}}
    result = verify(tmp_path / "other.tar.gz", faked)
    assert not result.ok and "script.sh" in result.reason


def test_missing_manifest_fails_verification(archived):
    _, dest, _, _ = archived
    manifest_path(dest).unlink()
    result = verify(dest)
    assert not result.ok and "manifest" in result.reason


def test_manifest_is_plain_json_beside_the_archive(archived):
    _, dest, manifest, _ = archived
    on_disk = json.loads(manifest_path(dest).read_text())
    assert on_disk["archive_sha256"] == manifest["archive_sha256"]
    assert on_disk["entries"]["link-dangling"] == {"type": "symlink", "target": "nowhere",
                                                   "mode": 0o777, "mtime": on_disk["entries"]["link-dangling"]["mtime"]}


def test_extract_refuses_a_member_outside_the_home(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../escaped")
        tar.addfile(info)
    home = tmp_path / "home"
    home.mkdir()
    with pytest.raises(ExtractError, match="not a plain path"):
        extract(evil, home)
    assert not (tmp_path / "escaped").exists()


def test_extract_refuses_writing_through_a_link(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    outside = tmp_path / "outside"
    outside.mkdir()
    with tarfile.open(evil, "w:gz") as tar:
        link = tarfile.TarInfo("sneaky")
        link.type, link.linkname = tarfile.SYMTYPE, str(outside)
        tar.addfile(link)
        tar.addfile(tarfile.TarInfo("sneaky/planted"))
    home = tmp_path / "home"
    home.mkdir()
    with pytest.raises(ExtractError, match="not a directory of the archive"):
        extract(evil, home)
    assert list(outside.iterdir()) == []


def test_archive_names_are_safe_and_distinct():
    assert archive_stem("ann") == "ann"
    assert archive_stem("Ann.Smith@uni.example") != archive_stem("ann.smith@uni.example")
    assert "/" not in archive_stem("a/../b")
    from datetime import datetime

    assert archive_name("ann", datetime(2026, 12, 1, 8, 0, tzinfo=UTC)) == "ann-20261201T080000000000Z.tar.gz"


def test_a_folder_swapped_for_a_link_mid_walk_stops_the_walk(tmp_path):
    """The attack: while root archives a home, its owner replaces a folder
    with a link to a folder of someone else's, hoping to get it archived (and
    restored to them later)."""
    from campushub.retention.walk import entries

    home, elsewhere = tmp_path / "home", tmp_path / "root-only"
    (home / "a").mkdir(parents=True)
    elsewhere.mkdir()
    (elsewhere / "secret").write_text("not theirs")
    walk = entries(home)
    assert next(walk).name == "."
    assert next(walk).name == "a"  # listed as a folder...
    os.rmdir(home / "a")
    os.symlink(elsewhere, home / "a")  # ...then swapped before the walk goes in
    with pytest.raises(OSError):
        list(walk)


def test_a_home_edited_after_its_archive_is_seen_as_changed(archived):
    """Same size, same file count: only the mtime tells; the home must then not be deleted."""
    from campushub.retention.verify import home_changed

    home, _, manifest, _ = archived
    assert home_changed(home, manifest) is None
    notebook = home / "notebooks" / "week1" / "lab.ipynb"
    notebook.write_text(notebook.read_text().replace("[]", "{}"))  # same length
    assert home_changed(home, manifest) == "'notebooks/week1/lab.ipynb' changed after it was archived"
    notebook.unlink()
    (home / "notebooks" / "week1" / "new.ipynb").write_text("{}")
    assert "changed after it was archived" in home_changed(home, manifest)
