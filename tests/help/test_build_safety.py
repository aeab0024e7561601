"""A built portal runs no script a page brought and asks nothing of other
sites (attack review 17, F3: an organisation's page ran script on the hub's
origin and minted a hub token for the person reading it). Real MkDocs and
Material builds from small page folders (tests/help/portal.py); the checks'
one-line messages are tested without MkDocs in test_checks.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from campushub.help import HelpBuildError, build, pagecheck, site_config

from .portal import config, org, shipped, write

mkdocs = pytest.mark.stack  # each runs MkDocs in a child python (about 1-3 s)

# the attacker's folder of the review (/tmp/attack17/pages), as it was
ATTACK = {
    "nav.yml": "- index.md\n",
    "index.md": '# Our VPN\n\nHello <script>window.PWNED_INLINE = 1; document.title = "XSS-RAW-HTML";</script>\n\n'
                'A link{onclick="alert(1)" id=x1}\n\n![logo](img/logo.svg)',
    "img/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>document.title='
                    '"XSS-SVG"</script><rect width="10" height="10"/></svg>\n',
}


@pytest.fixture
def pages(tmp_path, monkeypatch):
    return shipped(tmp_path / "shipped", monkeypatch)


@mkdocs
def test_the_attackers_page_fails_the_build_and_nothing_is_published(pages, tmp_path):
    folder = write(tmp_path / "org", ATTACK)
    out = tmp_path / "out"
    with pytest.raises(HelpBuildError) as e:
        build.build(config(folder), out)
    assert f"{folder}/index.md:3: {pagecheck.HTML}" in e.value.lines
    assert not (out / "site").exists()


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@mkdocs
def test_an_attribute_list_stays_text_and_the_site_loads_nothing_from_other_sites(pages, tmp_path):
    folder = org(tmp_path / "org")
    write(folder, {"vpn.md": '# VPN\n\nA link{onclick="steal()" id=x1}\n\n## Heading {#id onmouseover=steal()}\n'})
    site = build.build(config(folder), tmp_path / "out")
    elements = _Elements()
    elements.feed((site / "organisation/vpn/index.html").read_text())
    assert not [(tag, attrs) for tag, attrs in elements.found if any(name.startswith("on") for name in attrs)]
    assert 'A link{onclick="steal()" id=x1}' in (site / "organisation/vpn/index.html").read_text()
    # fonts, scripts and styles come from the site itself: no request to fonts.googleapis.com from behind the
    # hub's login, and a portal that works on a site with no internet
    external = set()
    for html in site.rglob("*.html"):
        elements = _Elements()
        elements.feed(html.read_text())
        for tag, attrs in elements.found:
            if tag in ("link", "script", "img", "iframe", "source"):
                address = attrs.get("href") or attrs.get("src") or ""
                if re.match(r"\s*(https?:)?//", address, re.IGNORECASE):
                    external.add(f"{html.relative_to(site)}: <{tag}> {address}")
    for css in site.rglob("*.css"):
        external |= {f"{css.relative_to(site)}: {url}" for url in
                     re.findall(r"""(?:url\(|@import)\s*['"]?\s*((?:https?:)?//[^'")\s]+)""", css.read_text())}
    assert not external, sorted(external)[:5]


def test_the_checks_convert_pages_with_the_builds_markdown_extensions():
    # the checks' second look (pagecheck.py) must convert as the build does, and the build has no attr_list
    yml = site_config.mkdocs_config(config(), build.PAGES, build.PAGES, [], None)
    names = [e if isinstance(e, str) else next(iter(e)) for e in yml["markdown_extensions"]]
    assert names == list(pagecheck.EXTENSIONS) and "attr_list" not in names
    assert yml["theme"]["font"] is False
