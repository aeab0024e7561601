"""What learner-made HTML may keep in pages tutors and learners open.

nbconvert's own clean_html (its sanitize_html option) escapes headings,
paragraphs and tables, which makes ordinary Markdown unreadable; this is the
same bleach call with the tags notebooks use and attributes checked per tag.
Outputs are limited to mimetypes nbconvert renders inertly: its templates put
JavaScript, widget views and Mermaid text into the page as they are.
"""

from __future__ import annotations

import bleach

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
    "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
})
SAFE_MIMETYPES = frozenset({"text/plain", "text/html", "text/markdown", "text/latex", "image/png", "image/jpeg",
                            "image/gif", "image/svg+xml"})
_IMAGES = ("data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/svg+xml;", "https:", "http:")


def _allowed(tag: str, name: str, value: str) -> bool:
    if name in ("class", "id", "title"):
        return True
    if tag == "a" and name == "href":
        return value.startswith(("https:", "http:", "mailto:", "#"))
    if tag == "img":
        return name in ("alt", "width", "height") or (name == "src" and value.startswith(_IMAGES))
    return tag in ("td", "th") and name in ("colspan", "rowspan", "align")


def clean_html(element) -> str:
    """Registered as nbconvert's ``clean_html`` filter."""
    text = element.decode() if isinstance(element, bytes) else str(element)
    return bleach.clean(text, tags=TAGS, attributes=_allowed, protocols={"http", "https", "mailto", "data"},
                        strip=True, strip_comments=True)


def inert_outputs(nb) -> None:
    """Drop output data nbconvert would not sanitise, and output metadata
    (its "filenames" become image paths in the page)."""
    for cell in nb.cells:
        kept = []
        for output in cell.get("outputs", []):
            if "data" in output:
                output["data"] = {k: v for k, v in output["data"].items() if k in SAFE_MIMETYPES}
                if not output["data"]:
                    continue
            if "metadata" in output:
                output["metadata"] = {}
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
