"""What a page may not hold, because MkDocs would publish it as written on the
hub's own origin, where a script acts as whoever reads the page (their hub
account, their token): raw HTML, front matter (MkDocs writes its title and
description into the page unescaped), and links or images with a scheme other
than http, https and mailto (javascript:, data:, vbscript:...). A page must
begin with its `# Title`, without < or > in it: Material writes a page's title
unescaped, and without an h1 MkDocs takes it from the file's name.

Lines come from markdown-it (linkcheck.py). As a second look, the page is also
converted with Python-Markdown, the converter MkDocs uses, and its HTML must
hold only the elements and attributes Markdown writes: a page the two parsers
read differently cannot slip an element or a link past the first look."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import markdown
from mkdocs.utils.meta import get_data

from . import linkcheck

SCHEMES = ("http", "https", "mailto")
# the extensions of the build's mkdocs.yml (site_config.py), so the second look sees what MkDocs converts
EXTENSIONS = ("admonition", "toc")
# what Python-Markdown writes from Markdown with EXTENSIONS, and nothing a page could add
ELEMENTS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "ul", "ol", "li", "em", "strong", "code", "pre",
            "blockquote", "hr", "br", "div"}
ATTRIBUTES = {"href", "src", "alt", "title", "id", "class", "start"}
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)

HTML = ("raw HTML is not published (a script in a page would act as whoever reads it); write it in Markdown, "
        "or put it in a code block to show it as text")


def scheme(target: str) -> str | None:
    """The scheme a browser sees in a link, lower case; None for a relative link."""
    # browsers drop tabs and newlines anywhere in a URL and controls and spaces around it: `java\tscript:`
    bare = "".join(c for c in target if not (c.isspace() or unicodedata.category(c)[0] == "C"))
    match = _SCHEME.match(bare)
    return match[1].lower() if match else None


def shown(text: str) -> str:
    """A link as written, with control characters escaped (they must not reach a terminal)."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def problems(page: Path, text: str) -> list[str]:
    out = []
    body, meta = get_data(text)
    if meta:
        # the rest is checked as MkDocs converts it: without the front matter, at the same line numbers
        text = "\n" * text[:len(text) - len(body)].count("\n") + body
        out.append(f"{page}:1: front matter (settings such as `title:` at the top of the page) is not published; "
                   "remove it and put the title in the page's first heading")
    out += [f"{page}:{line}: {HTML}" for line in dict.fromkeys(linkcheck.raw_html(text))]
    for link in linkcheck.links(text):
        found = scheme(link.target)
        if found and found not in SCHEMES:
            what = "image" if link.image else "link"
            out.append(f"{page}:{link.line}: the {what} \"{shown(link.target)}\" is a {found}: address; the portal "
                       "links only to its own pages and files and to http://, https:// and mailto: addresses")
    converted = _Converted(text)
    if converted.first != "h1":
        # MkDocs would title the page after its file name, and Material writes that unescaped in the navigation
        # and as the page's heading: `<img src=x onerror=...>.md` would run a script
        line = next((n for n, written in enumerate(text.splitlines(), 1) if written.strip()), 1)
        out.append(f"{page}:{line}: the page does not begin with its title; make its first line `# Title`")
    if converted.title is not None:
        lines = text.splitlines()
        line = next((n for n, written in enumerate(lines, 1) if written.startswith("# ")
                     or lines[n:n + 1] and lines[n].startswith("=")), 1)  # `# Title`, or Title over ====
        out.append(f"{page}:{line}: the heading \"{shown(converted.title)}\" holds < or >, which MkDocs writes "
                   "unescaped into the page's <title>; leave them out of the page's h1 headings")
    if not out and converted.bad:
        kind, value = converted.bad[0]
        where = f"{page}:{_line(text, value.strip('<>='))}"
        if kind == "address":
            out.append(f"{where}: MkDocs would publish the address \"{shown(value)}\", a {scheme(value)}: address; the "
                       "portal links only to its own pages and files and to http://, https:// and mailto: addresses")
        else:
            out.append(f"{where}: MkDocs would publish {shown(value)!r} from this page as HTML; {HTML}")
    return out


class _Converted(HTMLParser):
    """The page as Python-Markdown converts it: what it holds that Markdown does not write, and its h1."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[tuple[str, str]] = []
        self.h1s: list[str] = []
        self.first: str | None = None  # the page's first element: MkDocs' title is its text if it is an h1
        self._in_h1 = False
        self.feed(markdown.markdown(text, extensions=list(EXTENSIONS)))
        self.close()
        # MkDocs takes the page's title from its first h1, escaped, but Material's <title> runs it through Jinja's
        # striptags, which unescapes it: `# &lt;/title&gt;&lt;script&gt;` would become a script
        self.title = next((h1 for h1 in self.h1s if "<" in h1 or ">" in h1), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.first = self.first or tag
        if tag not in ELEMENTS:
            self.bad.append(("element", f"<{tag}>"))
        for name, value in attrs:
            if name not in ATTRIBUTES:
                self.bad.append(("attribute", f"{name}="))
            elif name in ("href", "src") and scheme(value or "") not in (None, *SCHEMES):
                self.bad.append(("address", value or ""))
        if tag == "h1":
            self._in_h1 = True
            self.h1s.append("")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        self._in_h1 = self._in_h1 and tag != "h1"

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1s[-1] += data


def _line(text: str, needle: str) -> int:
    return next((n for n, written in enumerate(text.splitlines(), 1) if needle and needle in written), 1)
