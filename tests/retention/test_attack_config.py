"""retention.archive_dir must be outside the homes however the path is spelled.

posixpath.normpath keeps a leading "//" (POSIX leaves its meaning to the
system; Linux reads it as "/"), so "//home/archive" passed the check that
refuses "/home/archive": the archives of everyone's private homes would have
gone into the home folder of whoever is called "archive"."""

from __future__ import annotations

import pytest

from campushub.config import ConfigError, loads


@pytest.mark.parametrize("archive_dir", ["//home/archive", "///home/archive", "//srv/../home/x"])
def test_archive_dir_in_the_homes_is_refused_however_spelled(archive_dir):
    with pytest.raises(ConfigError, match="inside spawner.home_root"):
        loads(f"retention:\n  enabled: true\n  archive_dir: '{archive_dir}'\n")


def test_a_home_root_spelled_with_two_slashes_still_holds_the_homes():
    with pytest.raises(ConfigError, match="inside spawner.home_root"):
        loads("spawner:\n  home_root: //srv/homes\nretention:\n  archive_dir: /srv/homes/archive\n")
