"""Building the portal (campushub/help/build.py) with the real MkDocs, Material
and mkdocs-static-i18n, from small page folders (tests/help/portal.py): the
published site, images per language, the atomic swap, a failed build changing
nothing, ensure() building only on change, and `campushub help build`."""

from __future__ import annotations

import os

import pytest

from campushub.help import HelpBuildError, build, mkdocs_run

from ..inprocess import campushub
from .portal import config, org, png, shipped, write

RED, GREEN = (255, 0, 0), (0, 255, 0)
# each runs MkDocs in a child python: about 1 s on an idle machine, 3 s on a busy one (the checks' messages
# are tested without it in test_checks.py, in the fast tier)
mkdocs = pytest.mark.stack


@pytest.fixture
def pages(tmp_path, monkeypatch):
    return shipped(tmp_path / "shipped", monkeypatch)


@mkdocs
def test_a_build_publishes_every_language_with_its_images_and_titles(pages, tmp_path):
    png(pages / "img/shot.ja.png", GREEN)  # the Japanese screenshot; Russian falls back to the English one
    folder = org(tmp_path / "org")
    png(folder / "img/client.png", RED)
    write(folder, {"vpn.md": "# VPN\n\n![client](img/client.png)\n"})
    (folder / "vpn.ru.md").unlink()  # a missing translation: a warning, the English page shown
    out = tmp_path / "out"
    site = build.build(config(folder, title={"en": "Our campus", "ja": "本学の案内"}), out)
    assert site == out / "site" and site.is_symlink()
    assert os.readlink(site).startswith("builds/") and (out / os.readlink(site)).is_dir()
    assert (site / "img/shot.png").read_bytes() == (pages / "img/shot.png").read_bytes()
    assert (site / "ja/img/shot.png").read_bytes() == (pages / "img/shot.ja.png").read_bytes()
    assert (site / "img/shot.png").read_bytes() != (site / "ja/img/shot.png").read_bytes()
    ja = (site / "ja/learners/index.html").read_text()
    assert 'src="../img/shot.png"' in ja and '<html lang="ja"' in ja  # ja/learners/ -> ja/img/, the ja file
    assert "CampusHub ヘルプ" in ja and "受講者ガイド" in ja and "本学の案内" in ja
    ru = (site / "ru/learners/index.html").read_text()
    assert "Справка CampusHub" in ru and "Руководство для слушателей" in ru and "Our campus" in ru
    en = (site / "organisation/vpn/index.html").read_text()
    assert "Our campus" in en and 'src="../img/client.png"' in en and (site / "organisation/img/client.png").is_file()
    assert (site / "ja/organisation/vpn/index.html").is_file() and (site / "search/search_index.json").is_file()
    assert 'hreflang="ja"' in en  # the language menu
    ru = (site / "ru/organisation/vpn/index.html").read_text()
    assert '<html lang="ru"' in ru and '<h1 id="vpn">VPN' in ru
    assert build.warnings(out) == [
        f"{folder}/vpn.md: no Russian version (vpn.ru.md); the Russian portal shows the English page"]


@mkdocs
def test_a_failed_build_changes_nothing(pages, tmp_path):
    out = tmp_path / "out"
    before = os.readlink(build.build(config(), out))
    # the checks before MkDocs find nothing wrong here; MkDocs' strict anchor check does
    write(pages, {"learners/memory.ja.md": "# メモリ\n\n## Too much\n\nSee [the guide](index.md#nowhere).\n\n"
                                           "[Up](#top)\n"})
    with pytest.raises(HelpBuildError) as e:
        build.build(config(), out)
    assert sorted(e.value.lines) == [
        f'{pages}/learners/memory.ja.md:5: the link "index.md#nowhere" leads to no heading #nowhere in '
        f"{pages}/learners/index.ja.md; use the id of one of its headings (their ¶ links show it) or add the heading",
        f'{pages}/learners/memory.ja.md:7: the link "#top" leads to no heading of its page; use the id of one of its '
        "headings (their ¶ links show it) or add the heading"]
    assert os.readlink(out / "site") == before
    assert sorted(p.name for p in out.iterdir()) == [".lock", "builds", "site", "warnings.txt"]
    assert [p.name for p in (out / "builds").iterdir()] == [before.split("/")[1]]


@mkdocs
def test_ensure_builds_only_when_the_sources_change(pages, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = os.readlink(build.ensure(config(), out))
    real_run = mkdocs_run.run

    def refuse(_yml):
        raise AssertionError("MkDocs ran although nothing changed")
    monkeypatch.setattr(mkdocs_run, "run", refuse)
    assert os.readlink(build.ensure(config(), out)) == first
    monkeypatch.setattr(mkdocs_run, "run", real_run)
    write(pages, {"learners/memory.md": "# Memory\n\n## Too much\n\nChanged.\n"})
    (out / ".work-killed").mkdir()  # what a build killed midway leaves
    (out / "builds/.0123-partial").mkdir()
    second = os.readlink(build.ensure(config(), out))
    assert not (out / ".work-killed").exists() and not (out / "builds/.0123-partial").exists()
    assert second != first and "Changed." in (out / "site/learners/memory/index.html").read_text()
    # the replaced build stays until the next one (a page open in a browser still loads its images from it)
    assert sorted(p.name for p in (out / "builds").iterdir()) == sorted(b.split("/")[1] for b in (first, second))
    write(pages, {"learners/memory.md": "# Memory\n\n## Too much\n\nChanged again.\n"})
    third = os.readlink(build.ensure(config(), out))
    assert sorted(p.name for p in (out / "builds").iterdir()) == sorted(b.split("/")[1] for b in (second, third))


@mkdocs
def test_the_command_prints_each_error_once_and_changes_nothing(pages, tmp_path):
    folder = org(tmp_path / "org")
    write(folder, {"vpn.md": "# VPN\n\n[x](nope.md)\n", "extra.md": "# Extra\n"})
    conf = tmp_path / "campushub.yaml"
    conf.write_text(f"data_dir: {tmp_path / 'data'}\nhelp:\n  pages_dir: {folder}\n")
    result = campushub("help", "build", "--config", str(conf))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f'{folder}/extra.md:1: this page is not in the navigation; add "extra.md" to {folder}/nav.yml',
        f'{folder}/vpn.md:3: the link "nope.md" leads to no page or file; fix the link or add the file',
        f"campushub: the help portal was not built (2 error(s)); {tmp_path / 'data/help'} is unchanged."]
    assert not (tmp_path / "data/help/site").exists()
    (folder / "extra.md").unlink()
    write(folder, {"vpn.md": "# VPN\n\nFixed.\n"})
    (folder / "vpn.ru.md").unlink()
    result = campushub("help", "build", "--config", str(conf), "--out", str(tmp_path / "elsewhere"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "elsewhere/site/organisation/vpn/index.html").is_file()
    assert f"Help portal built: {tmp_path / 'elsewhere/site'}" in result.stdout
    assert result.stderr.splitlines() == [
        f"warning: {folder}/vpn.md: no Russian version (vpn.ru.md); the Russian portal shows the English page"]


def test_a_folder_in_place_of_the_site_link_is_left_alone(pages, tmp_path, monkeypatch):
    out = tmp_path / "out"
    write(out, {"site/index.html": "an operator's own page"})
    monkeypatch.setattr(mkdocs_run, "run", lambda _yml: pytest.fail("MkDocs ran"))
    with pytest.raises(HelpBuildError) as e:
        build.build(config(), out)
    assert e.value.lines == [f"{out}/site: a folder or file where the build keeps its link to the current site; "
                             "move it away"]
    assert (out / "site/index.html").read_text() == "an operator's own page"
