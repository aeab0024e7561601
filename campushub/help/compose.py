"""The MkDocs docs folder of one build: the shipped pages at its root, the
organisation's under organisation/. Written from the bytes the scan read
(sources.py), never copied from the source again: MkDocs reads exactly what
was checked, even if a source is swapped since."""

from __future__ import annotations

from pathlib import Path

from .checks import Tree


def compose(trees: list[Tree], docs: Path) -> dict[str, Path]:
    """Fill `docs` (a fresh folder of this build); returns each file's docs-relative path -> the path to name
    in messages."""
    origin = {}
    for tree in trees:
        for source in tree.sources:
            rel = tree.site(source.rel)
            dest = docs / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(source.data)
            origin[rel] = source.shown
    return origin
