"""Builds this process made, by digest: a second build of the same sources
(the fast tier's render tests build the same portal a dozen times, `k8s
render` builds into a fresh folder each time and removes it) copies an
earlier one instead of running MkDocs again. The first build of a digest is
only noted (its folder); once a digest is built a second time, it is also
kept in a private folder of the process (mkdtemp, 0700, removed at exit), so
`up`, which builds once, keeps nothing. A folder is used only while it is
still the very one written (same inode, this account's)."""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import tempfile
from pathlib import Path

_seen: dict[str, tuple[Path, tuple[int, int], list[str]]] = {}  # the first build's folder
_made: dict[str, tuple[Path, tuple[int, int], list[str]]] = {}  # the private copy, from the second build on
_built: set[str] = set()  # digests built once already, their folders since removed or not
_root: list[Path] = []


def made(key: str, folder: Path, lines: list[str]) -> None:
    if key in _made:
        return
    if key not in _built:
        _built.add(key)
        _seen[key] = (folder, _ident(folder), list(lines))
        return
    if not _root:
        _root.append(Path(tempfile.mkdtemp(prefix="campushub-help-memo-")))
        atexit.register(shutil.rmtree, _root[0], True)
    kept = _root[0] / key
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(folder, kept, symlinks=True)
    _made[key] = (kept, _ident(kept), list(lines))


def copy(key: str, built: Path) -> list[str] | None:
    """Fill `built` from this process's build of `key`, returning its warnings; None: none to copy."""
    for memo in (_made, _seen):
        hit = memo.get(key)
        if hit is None:
            continue
        folder, ident, lines = hit
        st = _lstat(folder)
        if st is None or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or _ident(folder) != ident:
            del memo[key]  # gone or replaced: not to be trusted again
            continue
        shutil.copytree(folder, built, symlinks=True, dirs_exist_ok=True)
        return lines
    return None


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def _ident(path: Path) -> tuple[int, int] | None:
    st = _lstat(path)
    return None if st is None else (st.st_dev, st.st_ino)
