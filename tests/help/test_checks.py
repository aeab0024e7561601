"""The checks before MkDocs runs (campushub/help/checks.py): each problem is one
line naming the file and line and what to do, and nothing is built."""

from __future__ import annotations

import os

import pytest

from campushub.help import HelpBuildError, build, checks

from .portal import config, org, shipped, write


def problems(cfg: dict) -> tuple[list[str], list[str]]:
    try:
        found = build.trees(cfg)
    except HelpBuildError as e:
        return e.lines, []
    return checks.check(found)


@pytest.fixture
def site(tmp_path, monkeypatch):
    shipped(tmp_path / "shipped", monkeypatch)
    return org(tmp_path / "org")


def test_the_shipped_and_the_organisations_pages_pass(site):
    assert problems(config(site)) == ([], [])


def test_a_broken_link_names_the_page_and_line(site):
    write(site, {"vpn.md": "# VPN\n\nText.\n\nSee [the FAQ](faq.md) first.\n"})
    assert problems(config(site))[0] == [
        f'{site}/vpn.md:5: the link "faq.md" leads to no page or file; fix the link or add the file']


def test_a_broken_link_in_a_translation_names_the_translation(site):
    write(site, {"vpn.ja.md": "# VPN\n\n[メモリ](../learners/memry.md)\n"})
    assert problems(config(site))[0] == [
        f'{site}/vpn.ja.md:3: the link "../learners/memry.md" leads to no page or file; fix the link or add the file']


def test_a_broken_image_names_the_page_and_line(site):
    write(site, {"index.md": "# Home\n\n![the client](img/client.png)\n"})
    assert problems(config(site))[0] == [
        f'{site}/index.md:3: the image "img/client.png" leads to no image; fix the path or add the image']


def test_a_link_leaving_the_portal_is_refused(site):
    write(site, {"index.md": "# Home\n\n[up](../../etc/passwd)\n"})
    errors = problems(config(site))[0]
    assert errors == [f'{site}/index.md:3: the link "../../etc/passwd" leads out of the portal; link to a page or '
                      "file of the portal, or to a full https:// address"]


def test_links_in_code_other_sites_and_anchors_are_left_alone(site):
    write(site, {"index.md": "# Home\n\n```\n[x](nope.md)\n```\n\n`[y](nope.md)` [z](https://example.org/a.md) "
                             "[top](#home) [mail](mailto:help@example.edu)\n"})
    assert problems(config(site))[0] == []


def test_a_reference_link_is_reported_at_its_definition(site):
    write(site, {"index.md": "# Home\n\nRead [the FAQ][faq].\n\n[faq]: faq.md\n"})
    assert problems(config(site))[0] == [
        f'{site}/index.md:5: the link "faq.md" leads to no page or file; fix the link or add the file']


def test_a_page_missing_from_the_navigation(site):
    write(site, {"printing.md": "# Printing\n"})
    assert problems(config(site))[0] == [
        f'{site}/printing.md:1: this page is not in the navigation; add "printing.md" to {site}/nav.yml']


def test_a_navigation_entry_naming_no_file(site):
    write(site, {"nav.yml": "# pages\n- index.md\n- vpn.md\n- library/printing.md\n"})
    assert problems(config(site))[0] == [
        f'{site}/nav.yml:4: "library/printing.md" names no page; add the file or remove the line']


def test_a_page_listed_twice(site):
    write(site, {"nav.yml": "- index.md\n- vpn.md\n- ./index.md\n"})
    assert problems(config(site))[0] == [
        f'{site}/nav.yml:3: "index.md" is listed already (line 1); remove one of the lines']


def test_a_shipped_nav_entry_naming_no_file(tmp_path, monkeypatch):
    pages = shipped(tmp_path, monkeypatch)
    (pages / "learners/memory.md").unlink()
    errors = problems(config())[0]
    assert f'{tmp_path}/nav.yaml:5: "learners/memory.md" names no page; add the file or remove the line' in errors
    # and the pages linking to it say so too
    assert f'{pages}/learners/index.md:3: the link "memory.md#too-much" leads to no page or file; fix the link ' \
           "or add the file" in errors


@pytest.mark.parametrize("nav, line, what", [
    ("- index.md\n- [vpn.md]\n", 2, "write a page's path relative to the folder"),
    ("index: vpn.md\n", 1, "write a list of the folder's pages"),
    ("- index.md\n- 'vpn.md\n", 3, "not valid YAML"),  # the quote is still open where the file ends
])
def test_a_nav_yml_that_is_no_list_of_pages(site, nav, line, what):
    write(site, {"nav.yml": nav})
    (error,) = problems(config(site))[0]
    assert error.startswith(f"{site}/nav.yml:{line}: ") and what in error, error


def test_a_missing_nav_yml_or_folder(site, tmp_path):
    (site / "nav.yml").unlink()
    assert problems(config(site))[0] == [
        f"{site}/nav.yml:1: no such file; list the folder's pages in it, one `- page.md` a line"]
    (error,) = problems(config(tmp_path / "nowhere"))[0]
    assert error.startswith(f"{tmp_path}/nowhere: no such folder (help.pages_dir)")


def test_a_translation_without_its_english_page(site):
    write(site, {"faq.ja.md": "# FAQ\n"})
    assert problems(config(site))[0] == [
        f'{site}/faq.ja.md:1: a translation of "faq.md", which does not exist; add {site}/faq.md (every page and '
        "image needs its English file) or remove it"]


def test_a_missing_translation_is_a_warning_not_an_error(site):
    (site / "vpn.ru.md").unlink()
    assert problems(config(site)) == (
        [], [f"{site}/vpn.md: no Russian version (vpn.ru.md); the Russian portal shows the English page"])


def test_symlinks_leaving_the_folder_are_refused(site, tmp_path):
    secret = tmp_path / "secret"
    write(secret, {"key.md": "# Key\n"})
    os.symlink(secret / "key.md", site / "key.md")
    os.symlink(secret, site / "more")
    os.symlink(site / "vpn.md", site / "vpn-again.md")  # inside: fine, but then it is a page of its own
    errors = problems(config(site))[0]
    assert f"{site}/key.md:1: a symbolic link to {secret}/key.md, outside the pages folder; the portal publishes " \
           "only files inside it: copy the file in instead" in errors
    assert f"{site}/more:1: a symbolic link to {secret}, outside the pages folder; the portal publishes only " \
           "files inside it: copy the file in instead" in errors
    assert f'{site}/vpn-again.md:1: this page is not in the navigation; add "vpn-again.md" to {site}/nav.yml' \
           in errors
    assert len(errors) == 3


def test_unknown_file_types_and_languages_are_refused_hidden_files_ignored(site):
    write(site, {"notes.txt": "x", "vpn.fr.md": "# VPN\n", "vpn.en.md": "# VPN\n", ".git/config": "x",
                 ".DS_Store": "x"})
    assert sorted(problems(config(site))[0]) == [
        f"{site}/notes.txt:1: the portal publishes Markdown pages (.md) and images (png, jpg, jpeg, gif, svg, "
        "webp) only; remove the file or convert it",
        f'{site}/vpn.en.md:1: "en" is no language of the portal (en, ja, ru; English pages have no suffix); '
        "rename the file",
        f'{site}/vpn.fr.md:1: "fr" is no language of the portal (en, ja, ru; English pages have no suffix); '
        "rename the file",
    ]


def test_every_problem_is_reported_at_once(site):
    write(site, {"index.md": "# Home\n\n[a](a.md)\n[b](b.md)\n", "extra.md": "# Extra\n"})
    assert len(problems(config(site))[0]) == 3


# A page's script would run on the hub's own origin as whoever reads it (attack review F3): what MkDocs would
# publish as written is refused, each at its file and line.
HTML = ("raw HTML is not published (a script in a page would act as whoever reads it); write it in Markdown, or "
        "put it in a code block to show it as text")
ADDRESSES = ("the portal links only to its own pages and files and to http://, https:// and mailto: addresses")


def test_raw_html_is_refused_at_its_line(site):
    write(site, {"index.md": "# Home\n\nHello\nthere <script>fetch('/hub/api')</script>\n\n<div onclick=x()>\nhi\n"
                             "</div>\n\nAn <!-- inline --> comment and a `<b>` in code.\n"})
    assert problems(config(site))[0] == [f"{site}/index.md:{line}: {HTML}" for line in (4, 6, 10)]


def test_raw_html_that_only_python_markdown_reads_as_html_is_refused(site):
    # MkDocs has no fenced_code: its Python-Markdown publishes this <script>, which markdown-it reads as code
    write(site, {"vpn.md": "# VPN\n\n```\n<script>steal()</script>\n```\n"})
    assert problems(config(site))[0] == [
        f"{site}/vpn.md:4: MkDocs would publish '<script>' from this page as HTML; {HTML}"]


@pytest.mark.parametrize("head", ["---\ntitle: '<img src=x onerror=steal()>'\n---\n",
                                  "description: '\"><script>steal()</script>'\n\n"])
def test_front_matter_is_refused(site, head):
    write(site, {"index.md": f"{head}# Home\n"})
    assert problems(config(site))[0] == [
        f"{site}/index.md:1: front matter (settings such as `title:` at the top of the page) is not published; "
        "remove it and put the title in the page's first heading"]


@pytest.mark.parametrize("markdown, shown, scheme", [
    ("[a](javascript:steal())", "javascript:steal()", "javascript"),
    ("[a](JaVaScRiPt:steal())", "JaVaScRiPt:steal()", "javascript"),
    ("[a](<java\tscript:steal()>)", "java\\x09script:steal()", "javascript"),
    ("[a](<\x01 javascript:steal()>)", "\\x01 javascript:steal()", "javascript"),
    ("[a](&#106;avascript:steal())", "javascript:steal()", "javascript"),
    ("<javascript:steal()>", "javascript:steal()", "javascript"),
    ("[a](vbscript:steal)", "vbscript:steal", "vbscript"),
    ("[a](data:text/html,x)", "data:text/html,x", "data"),
    ("![a](data:image/svg+xml;base64,PHN2Zz4=)", "data:image/svg+xml;base64,PHN2Zz4=", "data"),
    ("[a](file:///etc/passwd)", "file:///etc/passwd", "file"),
])
def test_links_and_images_with_another_scheme_are_refused(site, markdown, shown, scheme):
    write(site, {"vpn.md": f"# VPN\n\nText.\n\n{markdown}\n"})
    what = "image" if markdown.startswith("!") else "link"
    assert problems(config(site))[0] == [
        f'{site}/vpn.md:5: the {what} "{shown}" is a {scheme}: address; {ADDRESSES}']


def test_a_reference_definition_with_another_scheme_is_refused_at_the_definition(site):
    write(site, {"vpn.md": "# VPN\n\nSee [this][r].\n\n[r]: javascript:steal()\n"})
    assert problems(config(site))[0] == [
        f'{site}/vpn.md:5: the link "javascript:steal()" is a javascript: address; {ADDRESSES}']


def test_a_title_breaking_out_of_the_pages_title_element_is_refused(site):
    # MkDocs keeps it escaped, Material's <title> unescapes it (striptags): it would end <title> and run a script
    write(site, {"vpn.md": "# &lt;/title&gt;&lt;script&gt;steal()&lt;/script&gt;\n\nText.\n",
                 "index.md": "# Q&amp;A: a &lt; b\n"})  # < and > only in a title, and they are refused
    assert problems(config(site))[0] == [
        f'{site}/index.md:1: the heading "Q&A: a < b" holds < or >, which MkDocs writes unescaped into the page\'s '
        "<title>; leave them out of the page's h1 headings",
        f'{site}/vpn.md:1: the heading "</title><script>steal()</script>" holds < or >, which MkDocs writes '
        "unescaped into the page's <title>; leave them out of the page's h1 headings"]


def test_markdown_that_is_safe_passes(site):
    write(site, {"vpn.md": "# VPN & Wi-Fi\n\n## When 1 < 2\n\n[site](https://example.org) [mail](MAILTO:a@b.c) "
                           "[http](HTTP://example.org/x) `<script>` 1 < 2 > 0 & done\n\n    <div>code</div>\n\n"
                           "!!! note\n    An admonition.\n\nA brace {onclick=x()} is text.\n"})
    assert problems(config(site))[0] == []


def test_a_page_must_begin_with_its_title(site):
    # without an h1 first, MkDocs titles the page after its file name, which Material writes unescaped in the
    # navigation and as the page's heading: this name would run a script on every page of the portal
    name = "<img src=x onerror=steal()>.md"
    write(site, {name: "\nNo heading.\n\n# Late\n", "nav.yml": f"- index.md\n- vpn.md\n- '{name}'\n",
                 "vpn.md": "---\ntitle: VPN\n---\n\nConnect first.\n"})
    assert problems(config(site))[0] == [
        f"{site}/{name}:2: the page does not begin with its title; make its first line `# Title`",
        f"{site}/vpn.md:1: front matter (settings such as `title:` at the top of the page) is not published; "
        "remove it and put the title in the page's first heading",
        f"{site}/vpn.md:5: the page does not begin with its title; make its first line `# Title`"]
