"""Addresses of the help portal's pages, for links from outside it: the hub's
nav bar and spawn and error pages, the memory messages of a server and its
kernels. Pages are named by their source file (as in nav.yaml, where a fast
test finds each constant); the portal is built with use_directory_urls, and
a language other than English lives under its own folder (ja/, ru/)."""

from __future__ import annotations

from ..i18n import DEFAULT, SUPPORTED

NAME = "help"  # the hub service's name: its prefix is <base_url>services/help/
MEMORY = "learners/memory.md"
SERVER_PROBLEMS = "learners/server-problems.md"
PAGES = (MEMORY, SERVER_PROBLEMS)


def prefix(base_url: str) -> str:
    """The service's prefix under the hub's base_url, e.g. /campus/services/help/."""
    return f"{base_url.rstrip('/')}/services/{NAME}/"


def page_path(page: str) -> str:
    """A source file's address relative to its language's root: learners/memory.md -> learners/memory/,
    learners/index.md -> learners/, index.md -> "" (an #anchor is kept)."""
    name, hash_, anchor = page.partition("#")
    name = name.removesuffix(".md")
    if name == "index" or name.endswith("/index"):
        name = name.removesuffix("index")
    elif name:
        name += "/"
    return name + hash_ + anchor


def url(base_url: str, lang: str, page: str = "") -> str:
    """/base/services/help/[lang/]page/ in `lang` (English, the portal's root, for an unknown one)."""
    root = prefix(base_url)
    if lang in SUPPORTED and lang != DEFAULT:
        root += f"{lang}/"
    return root + page_path(page)


class Links:
    """The hub's template variable `campushub_help` (set only while the help service is announced):
    ``campushub_help.url(current_language(), campushub_help.MEMORY)``. origin: the service's own
    origin ("https://help--service.example.org") when the hub gives services subdomains, else ""."""

    MEMORY = MEMORY
    SERVER_PROBLEMS = SERVER_PROBLEMS

    def __init__(self, base_url: str, origin: str = ""):
        self.base_url, self.origin = base_url, origin.rstrip("/")

    def url(self, lang: str, page: str = "") -> str:
        return self.origin + url(self.base_url, lang, page)
