"""CI's build of the portal: the shipped guides and the example organisation
folder (examples/help-pages), MkDocs strict, with no error and no warning;
every page of the navigation is published in English, Japanese and Russian
(each its own translation, not the English page shown instead)."""

from __future__ import annotations

from pathlib import Path

import pytest

from campushub.help import build, navfile

from .portal import config

# MkDocs over every shipped page in three languages: 1.5-2 s on an idle machine, over 3 s on a busy one
pytestmark = pytest.mark.stack

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "help-pages"


def _url(page: str) -> str:
    """Where MkDocs (use_directory_urls) writes a page: learners/memory.md -> learners/memory/index.html."""
    path = page.removesuffix(".md")
    if path == "index" or path.endswith("/index"):
        return path.removesuffix("index") + "index.html"
    return path + "/index.html"


def test_the_shipped_guides_and_the_example_pages_build_strict(tmp_path):
    out = tmp_path / "out"
    site = build.build(config(EXAMPLE), out)
    assert build.warnings(out) == []
    pages = [e.page for e in navfile.read_shipped()] + ["organisation/" + e.page
                                                        for e in navfile.read_org(EXAMPLE / "nav.yml")]
    for page in pages:
        english = (site / _url(page)).read_text()
        for lang in ("ja", "ru"):
            html = (site / lang / _url(page)).read_text()
            assert f'<html lang="{lang}"' in html
            assert html.split("<article", 1)[1] != english.split("<article", 1)[1], f"{lang}/{page} is English"
