"""The shipped guides (campushub/help/pages, navigation nav.yaml): every page in
English, Japanese and Russian, listed once, and every link and image of every
language resolves (the same checks `campushub help build` runs first)."""

from __future__ import annotations

from collections import Counter

from campushub.help import build, checks, navfile, titles
from campushub.help.sources import scan
from campushub.i18n import catalog


def test_nav_yaml_lists_every_page_once():
    listed = [e.page for e in navfile.read_shipped()]
    twice = [page for page, n in Counter(listed).items() if n > 1]
    assert not twice, f"listed more than once in {navfile.SHIPPED}: {twice}"
    found, errors = scan(build.PAGES)
    assert errors == []
    pages = {s.english for s in found if s.kind == "page"}
    assert pages - set(listed) == set(), f"pages missing from {navfile.SHIPPED}"
    assert set(listed) - pages == set(), f"in {navfile.SHIPPED} but not in {build.PAGES}"


def test_every_page_is_in_english_japanese_and_russian():
    missing = [f"{build.PAGES / e.page.replace('.md', suffix + '.md')}" for e in navfile.read_shipped()
               for suffix in ("", ".ja", ".ru")
               if not (build.PAGES / e.page.replace(".md", suffix + ".md")).is_file()]
    assert missing == []


def test_every_link_and_image_of_the_shipped_pages_resolves():
    errors, _missing_translations = checks.check(build.trees({"help": {}}))  # those: the test above
    assert errors == []


def test_section_titles_are_marked_and_translated():
    sections = {e.section for e in navfile.read_shipped() if e.section}
    assert sections and sections <= set(titles.SECTIONS)
    for lang in ("ja", "ru"):
        for text in (*sections, titles.SITE_NAME, titles.ORGANISATION):
            assert catalog(lang).get(text), f"{text!r} has no {lang} translation"
