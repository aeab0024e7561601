"""Small page folders for the help portal's build tests: a shipped tree of a
few pages (in place of campushub/help/pages, so the tests do not depend on the
guides' wording) and an organisation's folder."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from campushub import config as site_config


def png(path: Path, rgb: tuple[int, int, int]) -> None:
    """A 1x1 PNG of one colour: two different colours make two different files."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" + bytes(rgb))) + chunk(b"IEND", b""))


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def shipped(root: Path, monkeypatch, langs=("", ".ja", ".ru")) -> Path:
    """A shipped tree: home, one section of two pages (one with a screenshot), in every language."""
    from campushub.help import build, navfile

    pages = {"index.md": "# Help\n\nStart with [the learners' guide](learners/index.md).\n",
             "learners/index.md": "# Learners\n\nSee [memory](memory.md#too-much).\n\n![home](../img/shot.png)\n",
             "learners/memory.md": "# Memory\n\n## Too much\n\nBack to [the guide](index.md).\n"}
    files = {rel.replace(".md", f"{lang}.md"): text for rel, text in pages.items() for lang in langs}
    write(root / "pages", files)
    png(root / "pages/img/shot.png", (255, 0, 0))
    nav = root / "nav.yaml"
    nav.write_text("- index.md\n- section: Learners' guide\n  pages:\n    - learners/index.md\n"
                   "    - learners/memory.md\n")
    monkeypatch.setattr(build, "PAGES", root / "pages")
    monkeypatch.setattr(navfile, "SHIPPED", nav)
    return root / "pages"


def org(root: Path, files: dict[str, str] | None = None, nav: str = "- index.md\n- vpn.md\n") -> Path:
    """An organisation's folder: index and vpn pages in every language, or `files`."""
    files = files if files is not None else {
        f"{name}{lang}.md": f"# {name}{lang}\n\nSee [vpn](vpn.md) and [memory](../learners/memory.md).\n"
        for name in ("index", "vpn") for lang in ("", ".ja", ".ru")}
    write(root, {"nav.yml": nav, **files})
    return root


def config(pages_dir: Path | None = None, **help_section) -> dict:
    section = {**({"pages_dir": str(pages_dir)} if pages_dir else {}), **help_section}
    return site_config.validate({"help": section} if section else {})
