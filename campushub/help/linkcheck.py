"""The links and images of a Markdown page, with their lines, and where a
relative one leads. Parsed with markdown-it-py (CommonMark), so links in code
stay code, as MkDocs' Python-Markdown treats them; the strict MkDocs build
checks the same links again (and their anchors) after this."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Link:
    target: str  # as written (after reference definitions are resolved)
    line: int
    image: bool


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    # markdown-it leaves javascript: and data: links as text, but MkDocs' Python-Markdown publishes them: the
    # checks must see every link to refuse those (pagecheck.py)
    md.validateLink = lambda _url: True
    return md


def links(text: str) -> Iterator[Link]:
    lines = text.splitlines()
    for block in _parser().parse(text):
        if block.type != "inline" or not block.children:
            continue
        start, end = block.map or (0, len(lines))
        for token in block.children:
            if token.type == "link_open":
                target, image = str(token.attrs.get("href", "")), False
            elif token.type == "image":
                target, image = str(token.attrs.get("src", "")), True
            else:
                continue
            yield Link(unquote(target), _line_of(unquote(target), lines, start, end), image)


def raw_html(text: str) -> Iterator[int]:
    """The lines holding raw HTML (a block, or a tag inside a paragraph)."""
    for block in _parser().parse(text):
        start = (block.map or (0, 0))[0]
        if block.type == "html_block":
            yield start + 1
        for token in block.children or ():
            if token.type in ("softbreak", "hardbreak"):
                start += 1
            elif token.type == "html_inline":
                yield start + 1


def _line_of(target: str, lines: list[str], start: int, end: int) -> int:
    """The line that writes `target`: in its paragraph, else a reference definition elsewhere."""
    for number in (*range(start, end), *range(len(lines))):
        if target and target in unquote(lines[number]):
            return number + 1
    return start + 1


def resolve(page: str, target: str) -> str | None:
    """The site path a relative link of the page at `page` leads to, "" for a link within the
    page or one the check leaves alone (another site, an absolute path), None when it leads
    above the site's root."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return ""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), parts.path))
    return None if joined == ".." or joined.startswith("../") else joined
