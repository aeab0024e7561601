"""The start step without a hub: a stand-in spawner around real accounts, groups, folders and the links
process, run as the person with JupyterHub's own setuid preexec (the exec path's)."""

from __future__ import annotations

import grp
import logging
import os
import shutil
import subprocess
import threading
from pathlib import Path
from types import SimpleNamespace

from jupyterhub.spawner import set_user_setuid

from campushub.deploy.local.projects import at_start, groups

from .conftest import PYTHON, group


def stand_in(entry, root, projects: list[str]):
    # the hub's groups as projects_of reads them: .groups items with .name and .properties
    hub_groups = [SimpleNamespace(name=p, properties={"campushub_project": {"owners": []}}) for p in projects]
    hub_groups.append(SimpleNamespace(name="course-1", properties={}))  # not a project
    return SimpleNamespace(
        site_config={"projects": {"root": str(root)}}, unix_name=entry.pw_name, env_dir="",
        user=SimpleNamespace(name=entry.pw_name, groups=hub_groups), log=logging.getLogger("test-projects"),
        make_preexec_fn=set_user_setuid)


def listed(entry) -> list[str]:
    """Our groups in /etc/group that name the account (none: every account reads that file)."""
    return [g.gr_name for g in grp.getgrall() if groups.is_ours(g) and entry.pw_name in g.gr_mem]


def test_a_start_gives_gids_makes_and_links_as_the_person(root, projects, accounts, monkeypatch):
    monkeypatch.setattr(at_start, "_python", lambda spawner: PYTHON)
    one, two = projects("s1"), projects("s2")
    entry = accounts("start")
    spawner = stand_in(entry, root, [one, two])
    assert at_start.wanted(spawner) == sorted([one, two])
    assert at_start.prepare(spawner, [one, two], entry.pw_dir, threading.Lock()) == []
    link = os.path.join(entry.pw_dir, "projects", one)
    assert os.readlink(link) == f"{root}/{one}"
    assert os.lstat(link).st_uid == entry.pw_uid  # made by the person's account, not root
    gids = {p: group(p, root).gr_gid for p in (one, two)}
    assert spawner.project_gids == sorted(gids.values())  # what the launch adds
    assert not listed(entry)

    assert at_start.prepare(spawner, [two], entry.pw_dir, threading.Lock()) == []
    assert spawner.project_gids == [gids[two]]
    assert sorted(os.listdir(os.path.join(entry.pw_dir, "projects"))) == [two]
    assert os.path.isdir(f"{root}/{one}")  # the folder of a project left stays


def test_a_project_whose_group_is_not_ours_is_left_out_with_a_note(root, projects, accounts, monkeypatch):
    monkeypatch.setattr(at_start, "_python", lambda spawner: PYTHON)
    good, taken = projects("ok"), projects("taken")
    entry = accounts("note")
    taken_name = groups.group_name(taken, groups.site_root(root))
    subprocess.run(["groupadd", taken_name], check=True)  # someone's group, outside our range
    try:
        spawner = stand_in(entry, root, [good, taken])
        notes = at_start.prepare(spawner, [good, taken], entry.pw_dir, threading.Lock())
        assert notes == [(at_start.NOT_AVAILABLE, {"project": taken})]
        assert spawner.project_gids == [group(good, root).gr_gid]
        assert not os.path.exists(f"{root}/{taken}") and sorted(os.listdir(f"{entry.pw_dir}/projects")) == [good]
    finally:
        subprocess.run(["groupdel", taken_name], check=True)


def test_a_name_taken_in_the_home_is_reported(root, projects, accounts, monkeypatch):
    monkeypatch.setattr(at_start, "_python", lambda spawner: PYTHON)
    name = projects("home")
    entry = accounts("taken")
    os.makedirs(f"{entry.pw_dir}/projects/{name}")
    notes = at_start.prepare(stand_in(entry, root, [name]), [name], entry.pw_dir, threading.Lock())
    assert notes == [(at_start.TAKEN, {"path": f"~/projects/{name}", "folder": f"{root}/{name}"})]
    assert not os.path.islink(f"{entry.pw_dir}/projects/{name}")


def test_no_projects_section_no_work(accounts):
    entry = accounts("plain")
    spawner = SimpleNamespace(site_config={}, user=SimpleNamespace(groups=[]))
    assert at_start.wanted(spawner) == [] and at_start.prepare(spawner, [], entry.pw_dir, threading.Lock()) == []


def test_a_site_without_projects_gets_no_projects_root(accounts):
    # nobody's projects and no root yet: nothing held, nothing to migrate, so nothing is made
    # (before: every start of every site made projects.root, /srv/campushub/projects by default).
    # Under /srv, as a real root: one under /tmp is refused before anything is made.
    entry = accounts("plain")
    root = Path(f"/srv/chp-test-noroot-{os.getpid()}")
    spawner = stand_in(entry, root, [])
    try:
        assert at_start.prepare(spawner, [], entry.pw_dir, threading.Lock()) == []
        assert not os.path.lexists(root) and spawner.project_gids == []
    finally:
        shutil.rmtree(root, ignore_errors=True)
