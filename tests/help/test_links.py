"""The help portal's addresses given outside it (help/links.py): every page linked from the hub's pages
and messages is a page of the shipped navigation (so a renamed page fails here, not in a learner's
browser), and its address is the one the portal is built with (use_directory_urls, ja/ and ru/ folders)."""

from __future__ import annotations

import yaml

from campushub.help import links
from campushub.help.navfile import SHIPPED


def _pages(items) -> set[str]:
    found = set()
    for item in items:
        if isinstance(item, str):
            found.add(item)
        else:
            found |= _pages(item["pages"])
    return found


def test_every_page_linked_from_outside_is_in_the_navigation():
    shipped = _pages(yaml.safe_load(SHIPPED.read_text()))
    assert links.PAGES and set(links.PAGES) <= shipped, set(links.PAGES) - shipped
    assert {links.Links.MEMORY, links.Links.SERVER_PROBLEMS} <= shipped


def test_addresses_in_each_language():
    assert links.url("/", "en") == "/services/help/"
    assert links.url("/campus/", "ja") == "/campus/services/help/ja/"
    assert links.url("/", "ja", links.MEMORY) == "/services/help/ja/learners/memory/"
    assert links.url("/", "ru", "learners/index.md") == "/services/help/ru/learners/"
    assert links.url("/", "en", "index.md#start") == "/services/help/#start"
    assert links.url("/", "xx", links.MEMORY) == "/services/help/learners/memory/"  # unknown: English
    assert (links.Links("/", "https://help--service.example.org").url("ja", links.SERVER_PROBLEMS)
            == "https://help--service.example.org/services/help/ja/learners/server-problems/")
