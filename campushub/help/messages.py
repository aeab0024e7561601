"""MkDocs' warnings as the portal's one-line messages: a page's link problem
at the page's file and line, anything else as MkDocs said it, each once
(mkdocs-static-i18n builds every language, so a page shown in three logs its
problem three times)."""

from __future__ import annotations

import re
from pathlib import Path

from . import linkcheck
from .sources import split

_LINK = re.compile(r"Doc file '(?P<page>[^']+)' contains (?:a|an unrecognized relative) link '(?P<link>[^']+)', "
                   r"(?:but )?(?P<why>.+)")
_ANCHOR = re.compile(r"the doc '(?P<doc>[^']+)' does not contain an anchor '#(?P<anchor>[^']+)'")


def lines(records: list[str], origin: dict[str, Path], texts: dict[str, str] | None = None) -> list[str]:
    """`texts`: each docs-relative page's text as checked and copied, to find a link's line without opening the
    source again (a page swapped since, or a FIFO, attack review 17 F1); without it the source is read."""
    out = []
    for record in records:
        line = _one(record.strip(), origin, texts)
        if line and line not in out:
            out.append(line)
    return out


def _one(record: str, origin: dict[str, Path], texts: dict[str, str] | None) -> str:
    match = _LINK.match(record)
    if not match:
        return "MkDocs: " + " ".join(record.split())
    link, why = match["link"], match["why"]
    where = _where(match["page"], link, origin, texts)
    if why.startswith("there is no such anchor on this page"):
        return (f"{where}: the link \"{link}\" leads to no heading of its page; use the id of one of its headings "
                "(their ¶ links show it) or add the heading")
    anchor = _ANCHOR.match(why)
    if anchor:
        doc = origin.get(anchor["doc"], anchor["doc"])
        return (f"{where}: the link \"{link}\" leads to no heading #{anchor['anchor']} in {doc}; "
                "use the id of one of its headings (their ¶ links show it) or add the heading")
    return f"{where}: the link \"{link}\" leads to no page or file ({why.rstrip('.')}); fix the link or add the file"


def _where(page: str, link: str, origin: dict[str, Path], texts: dict[str, str] | None) -> str:
    """file:line of the link: the page MkDocs named, else the translation of it that writes the link."""
    english = split(page)[0]
    candidates = [page] + sorted(rel for rel in origin if split(rel)[0] == english and rel != page)
    for rel in candidates:
        if rel not in origin:
            continue
        try:
            text = texts.get(rel, "") if texts is not None else origin[rel].read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for found in linkcheck.links(text):
            if found.target == link:
                return f"{origin[rel]}:{found.line}"
    return str(origin.get(page, page))
