"""Attacks on the per-site projects roots (review of 7c6c8eb..b12f5fe): one site's projects.root inside
or above another's. The `.campushub-site` claim is checked only at the root itself, so a nested root
passes `up`, and a folder of root's with gid 0 in a root is adopted as a project's ("0: just made").
Real groups, accounts and folders; xfail(strict) until fixed."""

from __future__ import annotations

import os
import stat
import subprocess
import threading

import pytest

from campushub.config.projects import DEFAULT_ROOT
from campushub.deploy.local.projects import at_start, claim, folders, groups

from .conftest import PYTHON, as_account, group, purge
from .test_at_start import stand_in
from .test_sites import folder_of, fresh_migration, group_with, made_groups, site_config  # noqa: F401 (fixtures)

NESTED = ("a site's projects.root inside another site's root (one of its project folders) passes `up`: the claim "
          "looks at <root>/.campushub-site only, and open_root makes the other site's project folder root:root "
          "0711; that site's next start takes it back (gid 0 counts as just made) and its members can write "
          "into this site's root (replace the marker: this `up` refused or hung on a FIFO)")
ABOVE = ("a site's projects.root above another site's root: a project of the outer site named like the inner "
         "root's folder adopts that root (gid 0 counts as just made): its members get rwx on the other site's "
         "root, list its projects and rewrite its marker")


def test_ATTACK_a_root_inside_another_sites_project_folder_is_refused(root, accounts, tmp_path):
    # site A: root/site-a, project "ml" with one member; site B: the operator gives it A's "ml" folder
    project = f"t{os.getpid()}-ml"
    a_root = root / "site-a"
    try:
        assert claim.for_up(site_config(tmp_path / "a", a_root)) is None
        gid = group(project, a_root).gr_gid
        folder_of(a_root, project, gid)
        ann = accounts("nann")
        before = os.stat(a_root / project)

        refused = claim.for_up(site_config(tmp_path / "b", a_root / project))

        after = os.stat(a_root / project)
        # what happens now, recorded for the report: A's folder is B's root and A's member is locked out
        if refused is None:
            assert (after.st_gid, stat.S_IMODE(after.st_mode)) == (0, 0o711)
            assert as_account(ann, "import os,sys; os.listdir(sys.argv[1])", str(a_root / project),
                              gids=[gid]).returncode != 0
            # A's next start adopts the folder back, group-writable: A's member writes into B's root
            folder_of(a_root, project, gid)
            planted = as_account(ann, "import os,sys; os.unlink(sys.argv[1]+'/.campushub-site'); "
                                      "os.mkfifo(sys.argv[1]+'/.campushub-site')", str(a_root / project), gids=[gid])
            assert planted.returncode == 0, planted.stderr
        assert refused == (f"projects.root {a_root / project} lies inside {a_root}, the projects.root of the site "
                           f"at {tmp_path / 'a'}; give this site a projects.root of its own beside it, "
                           "e.g. /srv/<site>/projects")
        assert (after.st_gid, after.st_mode) == (before.st_gid, before.st_mode)
        assert not os.path.lexists(a_root / project / claim.MARKER)
    finally:
        subprocess.run(["rm", "-rf", "--", str(a_root / project)])  # a FIFO marker would hang cleanup code
        purge(project, a_root)


def test_ATTACK_a_project_folder_that_is_another_sites_root_is_not_adopted(root, accounts, tmp_path):
    # site A: root/<name>; site B: root (above it), whose project of that very name gets a member
    name = f"t{os.getpid()}-sa"
    a_root = root / name
    try:
        assert claim.for_up(site_config(tmp_path / "a", a_root)) is None
        refused = claim.for_up(site_config(tmp_path / "b", root))
        assert refused == (f"projects.root {root} contains {a_root}, the projects.root of the site at "
                           f"{tmp_path / 'a'}; give this site a projects.root of its own beside it, "
                           "e.g. /srv/<site>/projects")
        # were B's root claimed before A's (no record to see then): its start still adopts no old folder of root's
        bob = accounts("nbob")
        gid = group(name, root).gr_gid
        before = os.stat(a_root)
        fd = folders.open_root(root)
        try:
            with pytest.raises(folders.FolderError):
                folders.ensure_folder(fd, name, gid)  # B's member start
        finally:
            os.close(fd)
        after = os.stat(a_root)
        assert (after.st_gid, after.st_mode) == (before.st_gid, before.st_mode) == (0, stat.S_IFDIR | 0o711)
        read = as_account(bob, "import os,sys; os.listdir(sys.argv[1])", str(a_root), gids=[gid])
        assert read.returncode != 0
    finally:
        purge(name, root)


UNCLAIMED = ("a site with projects but its page off (and none declared) leaves its root unclaimed at `up` until one "
             "of its people starts; another site given that root meanwhile is not refused by `up`, claims it, and "
             "its member of a project of the same name gets the first site's group and reads its folder")


def test_ATTACK_up_on_a_root_with_another_sites_folders_is_refused(root, projects, accounts, made_groups,  # noqa: F811
                                                                    tmp_path, fresh_migration, monkeypatch):  # noqa: F811
    monkeypatch.setattr(at_start, "_python", lambda spawner: PYTHON)
    ml = projects("pg")
    # site B (projects page off, projects of its own given by its admins through the REST API), from before
    # the upgrade: its "ml" group has the name's hash alone, its member wrote a file in the folder
    b_member, c_member = accounts("pgb"), accounts("pgc")
    old = group_with(groups.group_name(ml, DEFAULT_ROOT), made_groups)
    folder_of(root, ml, old)
    wrote = as_account(b_member, "open(__import__('sys').argv[1], 'w').write('b secret')", str(root / ml / "s"),
                       gids=[old])
    assert wrote.returncode == 0, wrote.stderr
    assert claim.for_up(site_config(tmp_path / "b", root, enabled=False)) is None  # B upgraded: `up`, no claim

    refused = claim.for_up(site_config(tmp_path / "c", root))  # site C, given B's root by mistake

    if refused is None:  # recorded for the report: C's member's start gets B's gid and reads B's file
        spawner = stand_in(c_member, root, [ml])
        spawner.site_config = {"data_dir": str(tmp_path / "c"), "projects": {"root": str(root)}}
        spawner.all_projects = [ml]
        assert at_start.prepare(spawner, [ml], c_member.pw_dir, threading.Lock()) == []
        made_groups.append(groups.group_name(ml, groups.site_root(root)))
        assert spawner.project_gids == [old]
        read = as_account(c_member, "print(open(__import__('sys').argv[1]).read())", str(root / ml / "s"),
                          gids=spawner.project_gids)
        assert read.stdout.strip() == "b secret", read.stderr
    assert refused is not None


REFUSED_UP = ("`up` claims projects.root right after preflight, before its later refusals (a busy hub.port, ...): an "
              "`up` that changed nothing else leaves the root claimed for its data dir for good (a mistyped "
              "--data-dir, a test's tmp dir: /srv/campushub/projects on this machine was claimed by "
              "tests/config/test_config.py's busy-port test), and the real site's `up` is refused")


def test_ATTACK_an_up_refused_for_a_busy_port_leaves_the_root_unclaimed(root, tmp_path):
    import socket

    from ....harness import campushub as campushub_process

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        f = tmp_path / "c.yaml"
        f.write_text(f"data_dir: {tmp_path / 'data'}\nhub:\n  ip: 127.0.0.1\n  port: {busy.getsockname()[1]}\n"
                     f"projects:\n  root: {root}\n")
        result = campushub_process("up", "--config", str(f), timeout=300)
    assert result.returncode == 1 and "choose another port" in result.stderr, result.stderr
    assert not os.path.lexists(root / claim.MARKER)
