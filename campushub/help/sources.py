"""The files of a pages folder, each with its language (suffix structure:
`vpn.md` English, `vpn.ja.md` Japanese) and kind, and what is refused on
the way: symbolic links leading out of the folder (a page must not publish a
file from elsewhere on the machine) and files that are neither Markdown nor
images. Every file is read once here (readonce.py): the checks, the digest
and the copy use those bytes. Names with control characters are refused.
Hidden files and folders (.git, .DS_Store) are left out, as MkDocs
leaves them out."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..i18n import DEFAULT, SUPPORTED
from .readonce import IMAGE_MAX, PAGE_MAX, Refused, bad_name, esc, read, read_under

IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
KINDS = {".md": "page", **{ext: "image" for ext in IMAGES}}
TRANSLATED = tuple(lang for lang in SUPPORTED if lang != DEFAULT)


@dataclass(frozen=True)
class Source:
    rel: str  # relative to the folder, posix, as found (vpn.ja.md)
    path: Path  # the file as found (a link inside the folder: its target); never opened again
    shown: Path  # the path to name in messages
    kind: str  # "page" or "image"
    lang: str
    english: str  # the English file's relative path (vpn.md)
    data: bytes = field(default=b"", repr=False)  # what was read: the checks, the digest and the copy use it

    def text(self) -> str:
        return self.data.decode("utf-8")


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
    found, errors = [], []
    try:
        root_fd = os.open(real_root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as e:
        return [], [f"{esc(root)}:1: cannot open the folder ({e.strerror}); make it a readable folder"]
    try:
        # no link is followed: a folder swapped for a link after it was listed is not entered either
        for folder, dirs, files, dir_fd in os.fwalk(real_root, follow_symlinks=False):
            here = root / Path(folder).relative_to(real_root)
            for name in sorted(dirs):
                if not name.startswith(".") and (bad_name(name) or _is_link(name, dir_fd)):
                    errors.append(_name(here / name) if bad_name(name) else _folder_link(here / name, real_root))
                if name.startswith(".") or bad_name(name) or _is_link(name, dir_fd):
                    dirs.remove(name)  # hidden (.git), or refused
            dirs.sort()
            for name in sorted(files):
                shown = here / name
                rel = shown.relative_to(root).as_posix()
                if name.startswith(".") or rel in skip:
                    continue
                error = _name(shown) if bad_name(name) else _one(root, real_root, root_fd, dir_fd, rel, found)
                if error:
                    errors.append(error)
    finally:
        os.close(root_fd)
    return found, errors


def _one(root: Path, real_root: Path, root_fd: int, dir_fd: int, rel: str, found: list[Source]) -> str | None:
    shown, name = root / rel, rel.rpartition("/")[2]
    target = shown
    if _is_link(name, dir_fd):
        target = shown.resolve()
        if not target.is_relative_to(real_root):
            return _outside(shown, target)
    kind = KINDS.get(shown.suffix.lower())
    if kind is None:
        return (f"{esc(shown)}:1: the portal publishes Markdown pages (.md) and images "
                f"({', '.join(e[1:] for e in IMAGES)}) only; remove the file or convert it")
    english, lang = split(rel)
    if lang is None:
        suffix = PurePosixPath(rel).stem.rpartition(".")[2]
        return (f"{esc(shown)}:1: \"{suffix}\" is no language of the portal ({', '.join(SUPPORTED)}; "
                f"English pages have no suffix); rename the file")
    limit = PAGE_MAX if kind == "page" else IMAGE_MAX
    try:
        if target == shown:
            data = read(name, limit, dir_fd=dir_fd)
        else:  # a link inside the folder: its target, reached from the folder's root without following links
            data = read_under(root_fd, target.relative_to(real_root).as_posix(), limit)
    except FileNotFoundError:
        return f"{esc(shown)}:1: the file went away while it was read; build again"
    except Refused as e:
        return f"{esc(shown)}:1: {e}"
    found.append(Source(rel, target, shown, kind, lang, english, data))
    return None


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _name(shown: Path) -> str:
    return (f"{esc(shown)}:1: a control character (a newline, an escape...) in the name; rename it to plain "
            "letters, digits and punctuation")


def _folder_link(shown: Path, real_root: Path) -> str:
    target = shown.resolve()
    if not target.is_relative_to(real_root):
        return _outside(shown, target)
    return (f"{esc(shown)}:1: a symbolic link to a folder; the portal follows no folder links: move or copy the "
            "folder in instead")


def _outside(shown: Path, target: Path) -> str:
    return (f"{esc(shown)}:1: a symbolic link to {esc(target)}, outside the pages folder; the portal publishes "
            "only files inside it: copy the file in instead")
