"""The MkDocs docs folder of one build: the shipped pages at its root, the
organisation's under organisation/. Copied, never linked, so MkDocs reads
exactly the files that were checked."""

from __future__ import annotations

import shutil
from pathlib import Path

from .checks import Tree


def compose(trees: list[Tree], docs: Path) -> dict[str, Path]:
    """Fill `docs`; returns each copied file's docs-relative path -> the path to name in messages."""
    origin = {}
    for tree in trees:
        for source in tree.sources:
            rel = tree.site(source.rel)
            dest = docs / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source.path, dest)
            origin[rel] = source.shown
    return origin
