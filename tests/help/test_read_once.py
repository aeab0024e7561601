"""The checks and MkDocs' messages work from the bytes the scan read, never
opening a source again: a page swapped after the scan (for a link to a
root-only file, or a FIFO that would hang the build) changes nothing (attack
review 17, F1; sources.py reads each file once)."""

from __future__ import annotations

from campushub.help import checks, messages, navfile
from campushub.help.sources import Source


def test_the_checks_read_the_scanned_bytes_not_the_file(tmp_path):
    gone = tmp_path / "vpn.md"  # not on disk any more: opening it would fail
    page = Source("vpn.md", gone, gone, "page", "en", "vpn.md", b"# VPN\n\n[up](nope.md)\n")
    tree = checks.Tree(tmp_path, "organisation/", [page], [navfile.Entry("vpn.md", 1)], tmp_path / "nav.yml")
    assert checks.check([tree])[0] == [
        f'{gone}:3: the link "nope.md" leads to no page or file; fix the link or add the file']


def test_mkdocs_messages_find_the_line_in_the_checked_text(tmp_path):
    record = ("Doc file 'organisation/vpn.md' contains a link 'faq.md', but the target is not found among "
              "documentation files.")
    origin = {"organisation/vpn.md": tmp_path / "vpn.md"}  # not on disk: the text comes from `texts`
    texts = {"organisation/vpn.md": "# VPN\n\nSee [the FAQ](faq.md).\n"}
    assert messages.lines([record], origin, texts) == [
        f'{tmp_path}/vpn.md:3: the link "faq.md" leads to no page or file (the target is not found among '
        "documentation files); fix the link or add the file"]
    assert messages.lines([record], origin, {})[0].startswith(f'{tmp_path}/vpn.md: the link "faq.md"')
