"""Two sites on one machine (docs/operations.md "Several sites on one machine"): each site's project
groups are its own root's, its migration touches only its own groups, and a root belongs to one site
(`<root>/.campushub-site`). Real groups, accounts and folders; /etc/group is the machine's, as it is
for two real sites."""

from __future__ import annotations

import grp
import logging
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from campushub.config import validate
from campushub.config.projects import DEFAULT_ROOT
from campushub.deploy.local.projects import at_start, claim, folders, groups, held, migrate

from .conftest import PYTHON
from .test_at_start import stand_in

LOG = logging.getLogger("test-projects")


@pytest.fixture
def other_root():
    """The projects root of another site on this machine."""
    path = Path(f"/srv/chp-test-projects-{os.getpid()}-other")
    yield path
    subprocess.run(["rm", "-rf", "--", str(path)])


@pytest.fixture
def made_groups():
    """Names of groups a test made by hand, deleted afterwards (with their tombstones)."""
    names: list[str] = []
    yield names
    for name in names:
        try:
            gid = grp.getgrnam(name).gr_gid
        except KeyError:
            continue
        subprocess.run(["groupdel", name], capture_output=True)
        subprocess.run(["groupdel", f"{groups.RETIRED}{gid}"], capture_output=True)


@pytest.fixture
def fresh_migration(monkeypatch):
    # the migration runs once per hub process; each test here is a hub process of its own
    monkeypatch.setattr(migrate, "_done", threading.Event())


def group_with(name: str, made: list[str], member=None) -> int:
    """One of our groups (our gid range), with `member` listed as older sites did."""
    subprocess.run(["groupadd", "-K", f"GID_MIN={groups.GID_MIN}", "-K", f"GID_MAX={groups.GID_MAX}", name],
                   check=True)
    made.append(name)
    if member is not None:
        subprocess.run(["gpasswd", "--add", member.pw_name, name], check=True, capture_output=True)
    return grp.getgrnam(name).gr_gid


def folder_of(root: Path, name: str, gid: int) -> None:
    fd = folders.open_root(root)
    try:
        folders.ensure_folder(fd, name, gid)
    finally:
        os.close(fd)


def run_migration(root: Path, projects: list[str]) -> None:
    fd = folders.open_root(root)
    try:
        migrate.migrate(fd, groups.site_root(root), projects, LOG)
    finally:
        os.close(fd)


def snapshot(gids) -> dict:
    return {gid: (grp.getgrgid(gid).gr_name, sorted(grp.getgrgid(gid).gr_mem)) for gid in gids}


def test_ATTACK_another_sites_groups_survive_this_sites_migration(root, other_root, projects, accounts,
                                                                   made_groups, fresh_migration):
    # The other site (its own root) has a project "ml" too, from before group names were hashed, one of
    # a project this site never had, and one of the current scheme: each with its member listed and its
    # folder in its own root. This site's migration used to clear them all, retire the second and take
    # the first as its own "ml" (renamed to this site's name: the other site's folder opened to this
    # site's members).
    ml, gone, current = projects("ml"), projects("gone"), projects("cur")
    theirs = accounts("theirs")
    there = groups.site_root(other_root)
    gids = [group_with(groups.legacy_name(ml), made_groups, theirs),
            group_with(groups.legacy_name(gone), made_groups, theirs),
            group_with(groups.group_name(current, there), made_groups, theirs)]
    for name, gid in zip((ml, gone, current), gids, strict=True):
        folder_of(other_root, name, gid)
    before = snapshot(gids)

    run_migration(root, [ml, current])  # this site's projects, both names the other site has too

    assert snapshot(gids) == before
    assert all(theirs.pw_name in members for _, members in before.values())
    mine = groups.ensure_group(ml, groups.site_root(root))  # this site's "ml" at a member's start
    assert mine.gr_gid not in gids and mine.gr_name != groups.legacy_name(ml)
    assert snapshot(gids) == before


def test_an_unqualified_group_with_a_folder_here_is_renamed_keeping_its_gid(root, projects, accounts, made_groups,
                                                                             fresh_migration):
    # a site on a root of its own, from before the root counted: its group has the name's hash alone
    ml, other = projects("ml"), projects("other")
    ann, theirs = accounts("mann"), accounts("mtheirs")
    here = groups.site_root(root)
    assert here != DEFAULT_ROOT
    old = group_with(groups.group_name(ml, DEFAULT_ROOT), made_groups, ann)
    folder_of(root, ml, old)
    # the same earlier name of another of its projects, whose gid owns no folder here: another site's
    elsewhere = group_with(groups.group_name(other, DEFAULT_ROOT), made_groups, theirs)

    run_migration(root, [ml, other])

    renamed = grp.getgrgid(old)
    assert (renamed.gr_name, renamed.gr_mem) == (groups.group_name(ml, here), [])
    made_groups.append(renamed.gr_name)
    fd = folders.open_root(root)
    try:
        assert held.read(fd, ann.pw_name) == {ml: old}  # her membership, for leaving.py
    finally:
        os.close(fd)
    assert groups.ensure_group(ml, here).gr_gid == old and groups.current_gid(ml, here) == old
    assert snapshot([elsewhere]) == {elsewhere: (groups.group_name(other, DEFAULT_ROOT), [theirs.pw_name])}


def site_config(data_dir, root, **projects) -> dict:
    return validate({"data_dir": str(data_dir), "projects": {"root": str(root), **projects}})


def test_up_claims_the_root_and_a_second_site_on_it_is_refused_with_nothing_changed(root, tmp_path):
    # what `up` runs after its checks (cli/up.py); the real `up` refused: test_sites_stack.py
    first, second = tmp_path / "first", tmp_path / "second"
    assert claim.for_up(site_config(first, root)) is None  # projects on (the default): the root is claimed
    marker = root / claim.MARKER
    info = os.stat(marker)
    assert marker.read_text() == f"{first}\n"
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (0, 0, 0o644)
    assert claim.for_up(site_config(first, root)) is None  # the same site again: fine
    listed = sorted(os.listdir(root))

    refused = claim.for_up(site_config(second, root, enabled=False, declared={"ml": {"members": ["ann"]}}))
    assert refused == (
        f"projects.root {root} belongs to the site at {first}; give this site a projects.root of its own in "
        "campushub.yaml (two sites sharing it would share every project's folder)")
    assert marker.read_text() == f"{first}\n" and os.stat(marker).st_ino == info.st_ino
    assert sorted(os.listdir(root)) == listed and not second.exists()

    # a site without projects (no page, none declared) neither claims nor is refused: it never opens the root
    assert claim.for_up(site_config(second, root, enabled=False)) is None
    assert marker.read_text() == f"{first}\n"


def test_up_without_projects_makes_no_root(tmp_path):
    root = Path(f"/srv/chp-test-noclaim-{os.getpid()}")
    try:
        assert claim.for_up(site_config(tmp_path / "site", root, enabled=False)) is None
        assert not os.path.lexists(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_two_sites_claiming_at_once_get_one_owner(root, tmp_path):
    # two `up`s of two sites started together (systemd at boot) on one root: one of them is refused
    fd = folders.open_root(root)
    os.close(fd)
    start = threading.Barrier(8)
    found: dict[int, str | None] = {}

    def one(n: int) -> None:
        fd = folders.open_root(root)
        try:
            start.wait()
            found[n] = claim.claim(fd, str(tmp_path / f"site-{n}"))
        finally:
            os.close(fd)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    owner = (root / claim.MARKER).read_text().strip()
    assert [n for n, other in found.items() if other is None] == [int(owner.rsplit("-", 1)[1])]
    assert {other for other in found.values() if other is not None} == {owner}
    assert sorted(os.listdir(root)) == [claim.MARKER]  # no temporary file left


def test_a_start_on_a_root_another_site_claimed_opens_nothing(root, projects, accounts, tmp_path, monkeypatch):
    # the second site's projects page is off (`up` did not claim), its person has a project "ml": the
    # start refuses the other site's root before any group or folder is made or given
    monkeypatch.setattr(at_start, "_python", lambda spawner: PYTHON)
    ml = projects("claimed")
    fd = folders.open_root(root)
    try:
        assert claim.claim(fd, str(tmp_path / "first")) is None
    finally:
        os.close(fd)
    entry = accounts("claimed")
    spawner = stand_in(entry, root, [ml])
    spawner.site_config = {"data_dir": str(tmp_path / "second"), "projects": {"root": str(root)}}
    notes = at_start.prepare(spawner, [ml], entry.pw_dir, threading.Lock())
    assert notes == [(at_start.NOT_AVAILABLE, {"project": ml})] and spawner.project_gids == []
    assert groups.current_gid(ml, groups.site_root(root)) is None and not os.path.lexists(root / ml)

    # the first site's own start: its root, claimed at its first project start when `up` did not
    spawner.site_config = {"data_dir": str(tmp_path / "first"), "projects": {"root": str(root)}}
    assert at_start.prepare(spawner, [ml], entry.pw_dir, threading.Lock()) == []
    assert spawner.project_gids == [groups.current_gid(ml, groups.site_root(root))]
    assert sorted(os.listdir(root)) == sorted([claim.MARKER, held.DIR, ml])  # the marker is no project folder


def test_a_start_without_projects_leaves_an_unclaimed_root_and_its_groups_alone(root, projects, accounts, made_groups,
                                                                              tmp_path, fresh_migration):
    # another site (page off, so `up` claimed nothing) made the root and a project's folder with an
    # old-style group; a person of this site with no project starts: nothing here is this site's
    name = projects("unclaimed")
    theirs, entry = accounts("utheirs"), accounts("unone")
    gid = group_with(groups.legacy_name(name), made_groups, theirs)
    folder_of(root, name, gid)
    before = snapshot([gid])
    spawner = stand_in(entry, root, [])
    spawner.site_config = {"data_dir": str(tmp_path / "site"), "projects": {"root": str(root)}}
    spawner.all_projects = []  # the hub knows its projects: none
    assert at_start.prepare(spawner, [], entry.pw_dir, threading.Lock()) == []
    assert snapshot([gid]) == before and not os.path.lexists(root / claim.MARKER)
    assert sorted(os.listdir(root)) == [name]


def test_a_folder_of_another_sites_live_group_is_named_as_such(root, other_root, projects, made_groups):
    # two sites that had a project of this name on the old code shared one group; the other site's upgrade
    # renamed it to its own name: this site's folder has that gid, and the line says so (not "deleted")
    name = projects("shared")
    theirs = groups.group_name(name, groups.site_root(other_root))
    shared = group_with(theirs, made_groups)
    folder_of(root, name, shared)
    mine = groups.ensure_group(name, groups.site_root(root)).gr_gid
    fd = folders.open_root(root)
    try:
        with pytest.raises(folders.FolderError) as refused:
            folders.ensure_folder(fd, name, mine)
    finally:
        os.close(fd)
    assert f"belongs to gid {shared}, the project group {theirs} of another site" in str(refused.value)
    assert "docs/projects.md" in str(refused.value) and os.stat(root / name).st_gid == shared
