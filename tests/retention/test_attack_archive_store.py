"""Attacks on the archive store: names planted beside the archive root is about to write.

Archive names are predictable (user and UTC second, archive.archive_name).
In a store another account can write to (a shared mount, a bucket mounted
with loose modes), a link planted at the temporary name would have root
write the tarball into whatever file the link names, and then rename the
link into place as the "archive"."""

from __future__ import annotations

import os

import pytest

from campushub.retention.archive import manifest_path, write_archive
from campushub.retention.verify import verify

from .trees import make_tree


@pytest.fixture
def store(tmp_path):
    home = tmp_path / "home"
    make_tree(home)
    store = tmp_path / "store"
    store.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("root's file\n")
    return home, store, victim


def test_a_link_planted_at_the_archive_temporary_name_is_not_written_through(store):
    home, store, victim = store
    dest = store / "ann-20261201T000000Z.tar.gz"
    os.symlink(victim, dest.with_name(dest.name + ".partial"))
    write_archive(home, dest, "ann")
    assert victim.read_text() == "root's file\n"
    assert not dest.is_symlink() and dest.is_file()
    assert verify(dest).ok


def test_a_link_planted_at_the_manifest_temporary_name_is_not_written_through(store):
    home, store, victim = store
    dest = store / "ann-20261201T000000Z.tar.gz"
    manifest = manifest_path(dest)
    os.symlink(victim, manifest.with_name(manifest.name + ".partial"))
    write_archive(home, dest, "ann")
    assert victim.read_text() == "root's file\n"
    assert not manifest.is_symlink() and manifest.is_file()
    assert verify(dest).ok


def test_a_left_over_temporary_file_with_loose_modes_does_not_make_the_archive_readable(store):
    home, store, _ = store
    dest = store / "ann-20261201T000000Z.tar.gz"
    partial = dest.with_name(dest.name + ".partial")
    partial.write_bytes(b"")
    os.chmod(partial, 0o666)  # O_TRUNC keeps an existing file's mode: the home's files for all to read
    write_archive(home, dest, "ann")
    assert os.stat(dest).st_mode & 0o077 == 0
    assert os.stat(manifest_path(dest)).st_mode & 0o077 == 0


def test_a_home_restore_could_not_write_back_does_not_verify(tmp_path):
    """Paths longer than the kernel takes (PATH_MAX) are archived (the walk opens each folder relative
    to its parent) but restore writes by path and fails on them: the home would be deleted with an
    archive `campushub retention restore` cannot bring back. Such an archive does not verify, so the
    home is kept and the reason says why."""
    home = tmp_path / "home"
    home.mkdir()
    fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(25):  # 25 x 201 bytes: beyond PATH_MAX (4096) below any home
            os.mkdir("x" * 200, dir_fd=fd)
            deeper = os.open("x" * 200, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = deeper
        leaf = os.open("work.txt", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
        os.write(leaf, b"a learner's work")
        os.close(leaf)
    finally:
        os.close(fd)
    dest = tmp_path / "store" / "ann-20261201T000000Z.tar.gz"
    dest.parent.mkdir()
    write_archive(home, dest, "ann")
    result = verify(dest)
    assert not result.ok and "too long" in result.reason
