"""The navigation files, with the line of every entry: the shipped nav.yaml
(pages and sections whose titles are catalog strings) and an organisation's
nav.yml (a list of its pages' relative paths, English names)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from ..config.yamltext import parse
from . import HelpBuildError
from .readonce import PAGE_MAX, Refused, bad_name, esc, read

SHIPPED = Path(__file__).with_name("nav.yaml")
ORG_NAV = "nav.yml"


@dataclass(frozen=True)
class Entry:
    page: str  # relative to its pages folder, English name
    line: int
    section: str | None = None  # a shipped section's English title


def _yaml(path: Path):
    def fail(message, _key, line):
        raise HelpBuildError([f"{esc(path)}:{line or 1}: {message}"])

    try:  # once, not through a link, and never a FIFO (it would hold the build for ever)
        text = read(str(path), PAGE_MAX).decode("utf-8")
    except FileNotFoundError:
        raise HelpBuildError([f"{esc(path)}:1: no such file; list the folder's pages in it, one `- page.md` a line"]) \
            from None
    except Refused as e:
        raise HelpBuildError([f"{esc(path)}:1: {e}"]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise HelpBuildError([f"{esc(path)}:1: cannot read it ({e}); make it a readable UTF-8 file"]) from None
    return parse(text, fail)


def _line(seq, index: int) -> int:
    try:
        return seq.lc.item(index)[0] + 1
    except (AttributeError, KeyError, TypeError):
        return 1


def _pages(seq, path: Path, section: str | None) -> list[Entry]:
    out = []
    for i, item in enumerate(seq):
        if not isinstance(item, str) or not item.strip() or bad_name(item):
            raise HelpBuildError([f"{esc(path)}:{_line(seq, i)}: write a page's path relative to the folder, "
                                  "e.g. `- vpn.md` (no control characters)"])
        out.append(Entry(posixpath.normpath(item.strip()), _line(seq, i), section))  # ./vpn.md is vpn.md
    return out


def read_org(path: Path) -> list[Entry]:
    """An organisation's nav.yml: its pages in reading order."""
    doc = _yaml(path)
    if doc is None:
        return []
    if not isinstance(doc, list):
        raise HelpBuildError([f"{esc(path)}:1: write a list of the folder's pages, one `- page.md` a line"])
    return _pages(doc, path, None)


def read_shipped(path: Path | None = None) -> list[Entry]:
    """The shipped navigation: top pages (section None) and each section's pages."""
    path = path or SHIPPED
    doc = _yaml(path) or []
    out = []
    for i, item in enumerate(doc):
        if isinstance(item, str) and item.strip() and not bad_name(item):
            out.append(Entry(posixpath.normpath(item.strip()), _line(doc, i)))
        elif isinstance(item, dict) and isinstance(item.get("section"), str) and isinstance(item.get("pages"), list):
            out += _pages(item["pages"], path, item["section"])
        else:
            raise HelpBuildError([f"{esc(path)}:{_line(doc, i)}: write a page's path or `- section: Title` with its "
                                  "`pages:` list"])
    return out


def tree(entries: list[Entry]) -> list:
    """mkdocs' `nav` of shipped entries: pages, and {title: [pages]} per section in order."""
    nav: list = []
    for entry in entries:
        if entry.section is None:
            nav.append(entry.page)
        elif nav and isinstance(nav[-1], dict) and entry.section in nav[-1]:
            nav[-1][entry.section].append(entry.page)
        else:
            nav.append({entry.section: [entry.page]})
    return nav
