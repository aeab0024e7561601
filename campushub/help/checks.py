"""Everything wrong with the portal's sources, one line each naming file and
line and what to do, before MkDocs runs: broken links and images, pages
missing from the navigation, navigation entries naming no page, translations
without their English page, what no page may hold (pagecheck.py: raw HTML,
front matter, javascript: links) and, as warnings, pages without a translation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import linkcheck, navfile, pagecheck
from .sources import TRANSLATED, Source

LANGUAGE = {"ja": "Japanese", "ru": "Russian"}


@dataclass
class Tree:
    """One pages folder as it appears in the site: under `prefix` ("" or "organisation/")."""
    root: Path
    prefix: str
    sources: list[Source]
    nav: list[navfile.Entry]
    nav_file: Path
    errors: list[str] = field(default_factory=list)  # found while reading it (sources.scan)

    def site(self, rel: str) -> str:
        return self.prefix + rel


def check(trees: list[Tree]) -> tuple[list[str], list[str]]:
    """(errors, warnings)."""
    errors, warnings = [], []
    files = {t.site(s.english): s for t in trees for s in t.sources if s.lang == "en"}
    for tree in trees:
        errors += tree.errors
        english = {s.english for s in tree.sources if s.lang == "en"}
        for s in tree.sources:
            if s.lang != "en" and s.english not in english:
                errors.append(f"{s.shown}:1: a translation of \"{s.english}\", which does not exist; add "
                              f"{tree.root / s.english} (every page and image needs its English file) or remove it")
        errors += _nav(tree, english)
        for s in tree.sources:
            if s.kind == "page" and s.lang == "en":
                have = {t.lang for t in tree.sources if t.english == s.english}
                warnings += [f"{s.shown}: no {LANGUAGE[lang]} version ({Path(_named(s.english, lang)).name}); "
                             f"the {LANGUAGE[lang]} portal shows the English page" for lang in TRANSLATED
                             if lang not in have]
            if s.kind == "page":
                errors += _links(tree, s, files)
    return errors, warnings


def _named(english: str, lang: str) -> str:
    stem, dot, ext = english.rpartition(".")
    return f"{stem}.{lang}.{ext}"


def _nav(tree: Tree, english: set[str]) -> list[str]:
    out, listed = [], {}
    pages = {s.english for s in tree.sources if s.kind == "page" and s.lang == "en"}
    for entry in tree.nav:
        if entry.page in listed:
            out.append(f"{tree.nav_file}:{entry.line}: \"{entry.page}\" is listed already (line "
                       f"{listed[entry.page]}); remove one of the lines")
        elif entry.page not in pages:
            out.append(f"{tree.nav_file}:{entry.line}: \"{entry.page}\" names no page; add the file or remove the line")
        listed.setdefault(entry.page, entry.line)
    for s in tree.sources:
        if s.kind == "page" and s.lang == "en" and s.english not in listed:
            out.append(f"{s.shown}:1: this page is not in the navigation; add \"{s.english}\" to {tree.nav_file}")
    return out


def _links(tree: Tree, page: Source, files: dict[str, Source]) -> list[str]:
    try:
        text = page.text()  # the bytes the scan read: opening the path again is the race of F1
    except UnicodeDecodeError as e:
        return [f"{page.shown}:1: cannot read the page ({e}); save it as UTF-8 text"]
    out = pagecheck.problems(page.shown, text)
    for link in linkcheck.links(text):
        target = linkcheck.resolve(tree.site(page.rel), link.target)
        what = "image" if link.image else "link"
        if target is None:
            out.append(f"{page.shown}:{link.line}: the {what} \"{link.target}\" leads out of the portal; "
                       "link to a page or file of the portal, or to a full https:// address")
        elif target and (files.get(target) is None or (link.image and files[target].kind != "image")):
            fix = "fix the path or add the image" if link.image else "fix the link or add the file"
            kind = "no image" if link.image else "no page or file"
            out.append(f"{page.shown}:{link.line}: the {what} \"{link.target}\" leads to {kind}; {fix}")
    return out
