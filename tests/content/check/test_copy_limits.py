"""A course cannot make root fill its disk while it is copied: a sparse
file of any size costs its author a few bytes (in git too), but root's copy
writes it out in full, once for the snapshot and again for every notebook
run. The copy now stops at a size and a number of entries, with one line
saying so, before anything runs."""

from __future__ import annotations

import os

import pytest

from campushub.content.check import snapshot

from ..course_factory import make_course

MIB = 2**20


def test_a_sparse_file_larger_than_the_cap_stops_the_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot, "MAX_BYTES", 4 * MIB)  # the real cap is GiBs: the same path, in less disk
    course = make_course(tmp_path / "course", {"intro": ["print(1)"]})
    with open(course / "data.bin", "wb") as f:
        f.truncate(64 * MIB)  # a hole: nothing on the author's disk
    with pytest.raises(snapshot.SnapshotError) as e:
        snapshot.copy(course, tmp_path / "copy")
    assert "more than" in str(e.value) and "\n" not in str(e.value)
    written = sum(os.path.getsize(os.path.join(r, n)) for r, _, names in os.walk(tmp_path / "copy") for n in names)
    assert written <= 5 * MIB  # stopped at the cap, not after copying it all


def test_too_many_files_stop_the_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot, "MAX_ENTRIES", 50)
    course = make_course(tmp_path / "course", {"intro": ["print(1)"]})
    for n in range(100):
        (course / f"f{n}").write_text("x")
    with pytest.raises(snapshot.SnapshotError) as e:
        snapshot.copy(course, tmp_path / "copy")
    assert "50 files" in str(e.value)


def test_a_course_within_the_caps_is_copied_whole(tmp_path):
    course = make_course(tmp_path / "course", {"intro": ["print(1)"]})
    assert snapshot.copy(course, tmp_path / "copy") == []
    assert (tmp_path / "copy" / "lessons" / "intro.ipynb").is_file()
