"""The files of a pages folder, each with its language (suffix structure:
`vpn.md` English, `vpn.ja.md` Japanese) and kind, and what is refused on
the way: symbolic links leading out of the folder (a page must not publish a
file from elsewhere on the machine) and files that are neither Markdown nor
images. Hidden files and folders (.git, .DS_Store) are left out, as MkDocs
leaves them out."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..i18n import DEFAULT, SUPPORTED

IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
KINDS = {".md": "page", **{ext: "image" for ext in IMAGES}}
TRANSLATED = tuple(lang for lang in SUPPORTED if lang != DEFAULT)


@dataclass(frozen=True)
class Source:
    rel: str  # relative to the folder, posix, as found (vpn.ja.md)
    path: Path  # the file to read (a link inside the folder: its target)
    shown: Path  # the path to name in messages
    kind: str  # "page" or "image"
    lang: str
    english: str  # the English file's relative path (vpn.md)


def split(rel: str) -> tuple[str, str | None]:
    """(English name, language) of a relative file name; language None: a suffix no language of the portal's."""
    p = PurePosixPath(rel)
    stem, _, lang = p.stem.rpartition(".")
    if not stem or len(lang) != 2 or not lang.isalpha() or not lang.islower():
        return rel, DEFAULT
    english = str(p.with_name(stem + p.suffix))
    return english, (lang if lang in TRANSLATED else None)


def scan(root: Path, skip: tuple[str, ...] = ()) -> tuple[list[Source], list[str]]:
    """The folder's pages and images, and one error line per refused file."""
    real_root = root.resolve()
    found, errors, seen = [], [], {real_root}
    for folder, dirs, files in os.walk(root, followlinks=True):
        here = Path(folder)
        for name in sorted(dirs):
            target = (here / name).resolve()
            if name.startswith(".") or target in seen:  # hidden, or a link back into what is walked
                dirs.remove(name)
            elif not target.is_relative_to(real_root):
                errors.append(_outside(here / name, target))
                dirs.remove(name)
            else:
                seen.add(target)
        dirs.sort()
        for name in sorted(files):
            if name.startswith("."):
                continue
            shown = here / name
            rel = shown.relative_to(root).as_posix()
            if rel in skip:
                continue
            target = shown.resolve()
            if not target.is_relative_to(real_root):
                errors.append(_outside(shown, target))
                continue
            kind = KINDS.get(shown.suffix.lower())
            if kind is None:
                errors.append(f"{shown}:1: the portal publishes Markdown pages (.md) and images "
                              f"({', '.join(e[1:] for e in IMAGES)}) only; remove the file or convert it")
                continue
            english, lang = split(rel)
            if lang is None:
                suffix = PurePosixPath(rel).stem.rpartition(".")[2]
                errors.append(f"{shown}:1: \"{suffix}\" is no language of the portal ({', '.join(SUPPORTED)}; "
                              f"English pages have no suffix); rename the file")
                continue
            found.append(Source(rel, target, shown, kind, lang, english))
    return found, errors


def _outside(shown: Path, target: Path) -> str:
    return (f"{shown}:1: a symbolic link to {target}, outside the pages folder; the portal publishes only files "
            "inside it: copy the file in instead")
