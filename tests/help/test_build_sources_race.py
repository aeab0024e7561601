"""Attack review 17, F1: the build (root) reads each source of the organisation's folder once, not through
a link, never from a FIFO, and up to a size cap; what it checked is what it copies. Fast: MkDocs is stopped
or never reached (the sources are refused before it)."""

from __future__ import annotations

import contextlib
import os
import threading

import pytest

from campushub.help import HelpBuildError, build, mkdocs_run, navfile

from .portal import config, org, shipped

SECRET = "TOP-SECRET-17"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    shipped(tmp_path / "shipped", monkeypatch)
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    return org(tmp_path / "org")


def in_thread(fn, seconds: float = 30):
    """fn()'s exception (or None); fails instead of hanging when fn blocks (a FIFO read)."""
    result: list = []

    def run():
        try:
            fn()
            result.append(None)
        except BaseException as e:  # noqa: BLE001 -- handed back to the test
            result.append(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert result, f"the build did not finish within {seconds} s (blocked on a FIFO?)"
    return result[0]


def test_a_fifo_nav_with_a_page_swapped_meanwhile_publishes_nothing(folder, tmp_path):
    (folder / "nav.yml").unlink()
    os.mkfifo(folder / "nav.yml")

    def attacker():  # the review's race: open() returns when the build opens the nav, after the scan
        with contextlib.suppress(BrokenPipeError), open(folder / "nav.yml", "w") as f:  # refused: closed at once
            (folder / ".s").symlink_to(tmp_path / "secret.txt")
            os.replace(folder / ".s", folder / "index.md")
            f.write("- index.md\n- vpn.md\n")
    threading.Thread(target=attacker, daemon=True).start()
    error = in_thread(lambda: build.build(config(folder), tmp_path / "out"))
    assert isinstance(error, HelpBuildError)
    assert f"{folder}/nav.yml:1: not a regular file (a pipe, a device or a socket); put a regular file there" \
        in error.lines
    assert not any(SECRET in p.read_text(errors="ignore") for p in (tmp_path / "out").rglob("*") if p.is_file())


def test_a_fifo_nav_without_a_writer_is_refused_at_once(folder, tmp_path):
    (folder / "nav.yml").unlink()
    os.mkfifo(folder / "nav.yml")
    error = in_thread(lambda: build.build(config(folder), tmp_path / "out"))
    assert isinstance(error, HelpBuildError) and len(error.lines) == 1
    assert error.lines[0].startswith(f"{folder}/nav.yml:1: not a regular file")


def test_a_fifo_page_and_a_huge_page_and_image_are_refused_in_one_line_each(folder, tmp_path):
    os.mkfifo(folder / "faq.md")
    with open(folder / "big.md", "wb") as f:
        f.truncate((1 << 20) + 1)
    (folder / "img").mkdir()
    with open(folder / "img/huge.png", "wb") as f:
        f.truncate((10 << 20) + 1)
    error = in_thread(lambda: build.build(config(folder), tmp_path / "out"))
    assert isinstance(error, HelpBuildError)
    assert f"{folder}/faq.md:1: not a regular file (a pipe, a device or a socket); put a regular file there" \
        in error.lines
    assert (f"{folder}/big.md:1: larger than 1 MiB; make it smaller (the portal refuses larger files)"
            in error.lines)
    assert (f"{folder}/img/huge.png:1: larger than 10 MiB; make it smaller (the portal refuses larger files)"
            in error.lines)


def test_a_hard_link_to_a_file_elsewhere_is_refused(folder, tmp_path):
    """Where fs.protected_hardlinks is 0, anyone may hard-link a file they cannot read: a page that is such
    a link would publish it (root reads it). Any page with a second name is refused."""
    os.link(tmp_path / "secret.txt", folder / "faq.md")
    error = in_thread(lambda: build.build(config(folder), tmp_path / "out"))
    assert isinstance(error, HelpBuildError)
    assert f"{folder}/faq.md:1: a hard link to a file elsewhere; put a copy of the file there" in error.lines
    assert not (tmp_path / "out" / "site").exists()


def test_a_page_swapped_after_it_was_read_is_not_what_is_built(folder, tmp_path, monkeypatch):
    real = navfile.read_org

    def swap_then_read(path):  # the moment the review's FIFO gave the attacker: after the scan
        (folder / ".s").symlink_to(tmp_path / "secret.txt")
        os.replace(folder / ".s", folder / "index.md")
        return real(path)
    monkeypatch.setattr(navfile, "read_org", swap_then_read)
    composed = {}

    def mkdocs(yml):  # what MkDocs would have read
        docs = yml.parent / "docs"
        composed.update({p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()})
        return False, ["stopped by the test"]
    monkeypatch.setattr(mkdocs_run, "run", mkdocs)
    with pytest.raises(HelpBuildError):
        build.build(config(folder), tmp_path / "out")
    assert composed["organisation/index.md"].startswith(b"# index\n")
    assert not any(SECRET.encode() in data for data in composed.values())


def test_a_link_to_a_folder_is_not_entered(folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "key.md").write_text("# " + SECRET + "\n")
    (folder / "more").symlink_to(outside)
    (folder / "inside").symlink_to(folder)
    error = in_thread(lambda: build.build(config(folder), tmp_path / "out"))
    assert isinstance(error, HelpBuildError)
    assert f"{folder}/inside:1: a symbolic link to a folder; the portal follows no folder links: move or copy the " \
           "folder in instead" in error.lines
    assert not any("key.md" in line for line in error.lines)  # not walked: nothing of it is read


@pytest.mark.stack  # runs MkDocs, whose strict anchor check is what reports the link
def test_mkdocs_link_problems_are_placed_without_opening_the_source_again(folder, tmp_path, monkeypatch):
    (folder / "vpn.md").write_text("# VPN\n\nSee [memory](../learners/memory.md#nowhere).\n")
    real = navfile.read_org

    def swap_then_read(path):  # after the scan: the page becomes a FIFO nobody writes
        (folder / "vpn.md").unlink()
        os.mkfifo(folder / "vpn.md")
        return real(path)
    monkeypatch.setattr(navfile, "read_org", swap_then_read)
    error = in_thread(lambda: build.build(config(folder), tmp_path / "out"))
    assert isinstance(error, HelpBuildError)
    assert error.lines[0].startswith(f'{folder}/vpn.md:3: the link "../learners/memory.md#nowhere" leads to no '
                                     "heading #nowhere")
