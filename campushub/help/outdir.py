"""Whether a build folder can be trusted: the build runs as root, so a
folder another account owns or can write, or one inside such a folder, is
refused (they could plant or swap in links that root would then follow), as
Layout.ensure() refuses such a data dir (attack review 17, F2)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from . import HelpBuildError
from .readonce import esc

FIX = 'build into a folder only this account made and writes, e.g. --out "$(mktemp -d)"'


def place(out: Path) -> Path:
    """`out` with no link on the way to it: what trusted() checks is what the build then uses."""
    return Path(os.path.realpath(out.parent)) / out.name


def trusted(out: Path) -> None:
    """Refuse a build folder another account owns or can write (it could plant links that root then
    follows), as Layout.ensure() refuses such a data dir."""
    parents_trusted(out)
    st = os.lstat(out)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise HelpBuildError([f"{esc(out)}: a link, a folder of another account (uid {st.st_uid}) or one others "
                              f"can write; {FIX}"])


def parents_trusted(out: Path) -> None:
    """Refuse an `out` inside a folder another account owns or can write (it could swap `out` for a link)."""
    for folder in (out.parent, *out.parent.parents):  # one of them writable by another: it could swap out
        st = os.stat(folder)
        if st.st_uid not in (0, os.geteuid()) or (st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX):
            raise HelpBuildError([f"{esc(out)}: inside {esc(folder)}, which another account owns or can write; {FIX}"])
