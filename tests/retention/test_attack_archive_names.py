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
