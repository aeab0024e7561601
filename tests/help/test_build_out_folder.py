"""Attack review 17, F2: the build runs as root into `out`, which another account may have made or may
write (`--out /tmp/portal`). Such a folder is refused in one line; inside a folder of our own nothing is
followed through a link: not builds/, not .lock, not warnings.txt's scratch file, not a planted build
folder. MkDocs is replaced by a stand-in that writes one page (what is tested is the swap around it)."""

from __future__ import annotations

import json
import os

import pytest

from campushub.help import HelpBuildError, build, memo, mkdocs_run

from ..inprocess import campushub
from .portal import config, shipped


@pytest.fixture
def pages(tmp_path, monkeypatch):
    def mkdocs(yml):
        site = json.loads(yml.read_text())["site_dir"]
        with open(os.path.join(site, "index.html"), "w") as f:
            f.write("<html>built</html>")
        return True, []
    monkeypatch.setattr(mkdocs_run, "run", mkdocs)
    monkeypatch.setattr(memo, "_seen", {})
    monkeypatch.setattr(memo, "_built", set())
    monkeypatch.setattr(memo, "_made", {})  # neither a real build of these sources is copied, nor this one kept
    return shipped(tmp_path / "shipped", monkeypatch)


@pytest.fixture
def victim(tmp_path):
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "keep").write_text("k")
    (folder / ".ssh").mkdir()
    (folder / "secret").write_text("s")
    os.chmod(folder / "secret", 0o600)
    return folder


def untouched(victim) -> bool:
    return (sorted(os.listdir(victim)) == [".ssh", "keep", "secret"] and (victim / "keep").read_text() == "k"
            and (victim / "secret").stat().st_mode & 0o777 == 0o600)


def test_a_builds_link_and_planted_links_change_nothing_outside(pages, victim, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "builds").symlink_to(victim)
    (out / f".warnings.txt.{os.getpid()}").symlink_to(victim / "keep")
    with pytest.raises(HelpBuildError) as e:
        build.build(config(), out)
    assert e.value.lines == [f"{out}/builds: a link or file where the build keeps its builds; move it away"]
    assert untouched(victim)


def test_links_planted_in_a_build_folder_of_our_own_are_not_followed(pages, victim, tmp_path):
    out = tmp_path / "out"
    key = build.digest(config())
    (out / "builds" / key).mkdir(parents=True)
    (out / "builds" / key / "x").symlink_to(victim / "secret")  # _readable would chmod it 0644
    (out / "builds/other").symlink_to(victim)  # "older builds" are removed: a link, not what it leads to
    (out / f".warnings.txt.{os.getpid()}").symlink_to(victim / "keep")
    (out / ".lock").symlink_to(victim / "created")
    with pytest.raises(HelpBuildError) as e:
        build.build(config(), out)
    assert e.value.lines == [f"{out}/.lock: cannot open it (Too many levels of symbolic links); remove it, "
                             "the build makes it again"]
    (out / ".lock").unlink()
    site = build.build(config(), out)
    assert (site / "index.html").read_text() == "<html>built</html>" and not (site / "x").exists()
    assert sorted(os.listdir(out / "builds")) == [key]
    assert untouched(victim)
    assert (out / "warnings.txt").read_text() == "" and not (victim / "created").exists()


@pytest.mark.parametrize("how", ["another account", "group-writable", "a link"])
def test_the_command_refuses_an_out_folder_it_cannot_trust(pages, victim, tmp_path, how):
    out = tmp_path / "portal"
    if how == "a link":
        out.symlink_to(victim)
    else:
        out.mkdir()
        os.chown(out, 65534, 65534) if how == "another account" else os.chmod(out, 0o777)
    uid = out.lstat().st_uid
    result = command(tmp_path, out)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"campushub: {out}: a link, a folder of another account (uid {uid}) or one others can write; build into a "
        'folder only this account made and writes, e.g. --out "$(mktemp -d)"']
    assert untouched(victim) and (how == "a link" or os.listdir(out) == [])


@pytest.mark.parametrize("exists", [True, False])
def test_an_out_folder_inside_another_accounts_folder_is_refused(pages, tmp_path, exists):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    if exists:
        (theirs / "portal").mkdir(mode=0o700)  # ours, but they can rename it and put a link in its place
    os.chown(theirs, 65534, 65534)
    result = command(tmp_path, theirs / "portal")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"campushub: {theirs}/portal: inside {theirs}, which another account owns or can write; build into a "
        'folder only this account made and writes, e.g. --out "$(mktemp -d)"']
    assert os.listdir(theirs) == (["portal"] if exists else [])
    assert not exists or os.listdir(theirs / "portal") == []
    with pytest.raises(HelpBuildError) as e:  # build() itself, as `up` and `k8s render` call it
        build.build(config(), theirs / "portal")
    assert e.value.lines == [result.stderr.splitlines()[0].removeprefix("campushub: ")]


def command(tmp_path, out):
    conf = tmp_path / "campushub.yaml"
    conf.write_text(f"data_dir: {tmp_path / 'data'}\n")
    return campushub("help", "build", "--config", str(conf), "--out", str(out))
