"""The mkdocs.yml of a build: Material with search and the language menu
mkdocs-static-i18n adds, every language's site name and section titles from
the catalog, the organisation's section after the shipped guides."""

from __future__ import annotations

from pathlib import Path

from ..config import help as help_config
from ..i18n import DEFAULT, SUPPORTED, translate
from . import navfile
from .titles import LANGUAGE_NAMES, SITE_NAME

ORG_PREFIX = "organisation/"


def mkdocs_config(config: dict, docs: Path, site: Path, shipped: list[navfile.Entry],
                  org: list[navfile.Entry] | None) -> dict:
    nav = navfile.tree(shipped)
    org_title = help_config.title(config, DEFAULT)
    if org:
        nav.append({org_title: [ORG_PREFIX + e.page for e in org]})
    sections = {e.section for e in shipped if e.section}
    languages = []
    for lang in SUPPORTED:
        titles = {s: translate(lang, s) for s in sorted(sections)}
        if org:
            titles[org_title] = help_config.title(config, lang)
        languages.append({"locale": lang, "name": LANGUAGE_NAMES[lang], "build": True, "default": lang == DEFAULT,
                          "site_name": translate(lang, SITE_NAME), "nav_translations": titles})
    return {
        "site_name": translate(DEFAULT, SITE_NAME),
        "docs_dir": str(docs),
        "site_dir": str(site),
        "use_directory_urls": True,
        "strict": True,
        "nav": nav,
        # no web fonts: Material would load Roboto from fonts.googleapis.com on every page, a request to
        # Google from behind the hub's login that fails on a site with no internet (system fonts instead)
        "theme": {"name": "material", "features": ["navigation.indexes"], "font": False},
        "plugins": [
            {"search": {"lang": list(SUPPORTED)}},
            {"i18n": {"docs_structure": "suffix", "fallback_to_default": True, "reconfigure_material": True,
                      "languages": languages}},
        ],
        # not attr_list: `{onclick=...}` would put a script on an element (pagecheck.EXTENSIONS must match)
        "markdown_extensions": ["admonition", {"toc": {"permalink": True}}],
        # what the checks (checks.py) found already fails the build here too, and so does a broken anchor
        "validation": {
            "nav": {"omitted_files": "warn", "not_found": "warn", "absolute_links": "info"},
            "links": {"not_found": "warn", "anchors": "warn", "absolute_links": "info", "unrecognized_links": "warn"},
        },
    }
