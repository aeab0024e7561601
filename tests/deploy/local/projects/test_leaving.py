"""A person who leaves a project loses the files they own in it (finding 2): real accounts, a real
hard link in the leaver's home, the start step with a stand-in spawner (test_at_start.py's)."""

from __future__ import annotations

import grp
import json
import os
import stat
import subprocess
import threading

from campushub.deploy.local.projects import at_start, disown, folders, groups, leaving

from .conftest import PYTHON, as_account
from .test_at_start import stand_in

WRITE = "import sys; open(sys.argv[1], 'w').write(sys.argv[2])"
APPEND = "import sys; open(sys.argv[1], 'a').write(sys.argv[2])"
READ = "import sys; print(open(sys.argv[1]).read())"
LINK = "import os, sys; os.link(sys.argv[1], sys.argv[2])"


def start(entry, root, names, monkeypatch, busy=False):
    monkeypatch.setattr(at_start, "_python", lambda spawner: PYTHON)
    spawner = stand_in(entry, root, names)
    spawner.projects_busy = busy
    return at_start.prepare(spawner, names, entry.pw_dir, threading.Lock()), spawner


def test_ATTACK_a_removed_member_loses_the_files_he_linked_into_his_home(root, projects, accounts, monkeypatch):
    name = projects("link")
    ann, ben = accounts("lann"), accounts("lben")
    start(ann, root, [name], monkeypatch)
    _, spawner = start(ben, root, [name], monkeypatch)
    gids = spawner.project_gids
    folder = f"{root}/{name}"
    assert as_account(ben, WRITE, f"{folder}/results.ipynb", "ben v1\n", gids=gids).returncode == 0
    os.makedirs(f"{folder}/deep/er", exist_ok=True)  # made by root here; ben's own below
    assert as_account(ben, WRITE, f"{folder}/deep/er/b.txt", "b", gids=gids).returncode == 0
    linked = as_account(ben, LINK, f"{folder}/results.ipynb", f"{ben.pw_dir}/keep.ipynb", gids=gids)
    assert linked.returncode == 0, linked.stderr  # protected_hardlinks allows his own file

    start(ben, root, [], monkeypatch)  # removed: his next start
    info = os.stat(f"{folder}/results.ipynb")
    assert (info.st_uid, info.st_gid) == (0, gids[0]) and os.stat(f"{folder}/deep/er/b.txt").st_uid == 0
    # his link in his home no longer opens the project's file; the members keep it
    for code in (READ, APPEND):
        refused = as_account(ben, code, f"{ben.pw_dir}/keep.ipynb", "INJECTED\n")
        assert refused.returncode != 0 and "PermissionError" in refused.stderr, refused
    assert as_account(ann, APPEND, f"{folder}/results.ipynb", "ann\n", gids=gids).returncode == 0
    assert open(f"{folder}/results.ipynb").read() == "ben v1\nann\n"


# while a member: (a) a named ACL entry for himself, (b) his file's group changed to his own, each
# hard-linked into his home; (c) a folder of his with his own entry in its access and default ACL and
# others' bits in the default, in his own group
TRICKS = """import os, subprocess, sys
folder, home, uid, gid = sys.argv[1:]
open(folder + '/acl.txt', 'w').write('a')
subprocess.run(['setfacl', '-m', 'u:' + uid + ':rw', folder + '/acl.txt'], check=True)
os.link(folder + '/acl.txt', home + '/acl.txt')
open(folder + '/grp.txt', 'w').write('g')
os.chown(folder + '/grp.txt', -1, int(gid))
os.link(folder + '/grp.txt', home + '/grp.txt')
os.mkdir(folder + '/mine')
subprocess.run(['setfacl', '-m', f'u:{uid}:rwx,d:u:{uid}:rwx,d:o::rwx', folder + '/mine'], check=True)
os.chown(folder + '/mine', -1, int(gid))
"""


def acl(path: str) -> str:
    return subprocess.run(["getfacl", "--numeric", "--omit-header", path], capture_output=True, text=True,
                          check=True).stdout


def test_ATTACK_a_leaver_keeps_no_way_in_through_his_own_acl_entry_or_group(root, projects, accounts, monkeypatch):
    name = projects("acl")
    ann, ben = accounts("aann"), accounts("aben")
    start(ann, root, [name], monkeypatch)
    _, spawner = start(ben, root, [name], monkeypatch)
    gids, folder = spawner.project_gids, f"{root}/{name}"
    tricks = as_account(ben, TRICKS, folder, ben.pw_dir, str(ben.pw_uid), str(ben.pw_gid), gids=gids)
    assert tricks.returncode == 0, tricks.stderr
    assert f"user:{ben.pw_uid}:rw-" in acl(f"{folder}/acl.txt")
    assert os.stat(f"{folder}/grp.txt").st_gid == ben.pw_gid

    start(ben, root, [], monkeypatch)  # removed: his next start
    for kept in ("acl.txt", "grp.txt"):
        for code in (READ, APPEND):
            refused = as_account(ben, code, f"{ben.pw_dir}/{kept}", "INJECTED\n")
            assert refused.returncode != 0 and "PermissionError" in refused.stderr, (kept, refused)
        info = os.stat(f"{folder}/{kept}")
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, gids[0], 0o660)
        assert str(ben.pw_uid) not in acl(f"{folder}/{kept}")
        assert as_account(ann, APPEND, f"{folder}/{kept}", "+ann", gids=gids).returncode == 0
    assert open(f"{folder}/acl.txt").read() == "a+ann" and open(f"{folder}/grp.txt").read() == "g+ann"
    # his folder: the project's group and ACLs again, so what a member makes in it is the project's alone
    mine = os.stat(f"{folder}/mine")
    assert (mine.st_uid, mine.st_gid, stat.S_IMODE(mine.st_mode)) == (0, gids[0], 0o2770)
    assert acl(f"{folder}/mine") == acl(folder)
    assert as_account(ann, WRITE, f"{folder}/mine/new.txt", "n", gids=gids).returncode == 0
    assert str(ben.pw_uid) not in acl(f"{folder}/mine/new.txt") and "other::---" in acl(f"{folder}/mine/new.txt")


def test_while_another_server_of_his_runs_the_folder_is_walked_again_at_each_start(root, projects, accounts,
                                                                                     monkeypatch):
    name = projects("busy")
    ben = accounts("bben")
    _, spawner = start(ben, root, [name], monkeypatch)
    gids = spawner.project_gids
    start(ben, root, [], monkeypatch, busy=True)  # his named server still has the gid
    made = as_account(ben, WRITE, f"{root}/{name}/later.txt", "x", gids=gids)  # from that server
    assert made.returncode == 0 and os.stat(f"{root}/{name}/later.txt").st_uid == ben.pw_uid
    start(ben, root, [], monkeypatch)
    assert os.stat(f"{root}/{name}/later.txt").st_uid == 0


def test_the_walk_follows_no_link_and_survives_a_deep_chain(tmp_path, accounts):
    ben = accounts("wben")
    top, outside = tmp_path / "project", tmp_path / "outside"
    top.mkdir()
    outside.mkdir()
    subprocess.run(["setfacl", "--set", folders.acl_spec(os.getgid()), str(top)], check=True)  # a project's
    (outside / "his.txt").write_text("x")
    os.chown(outside / "his.txt", ben.pw_uid, -1)
    (top / "to-outside").symlink_to(outside)
    os.lchown(top / "to-outside", ben.pw_uid, -1)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1500):  # deeper than Python's recursion limit (made by fd: no path that long)
        os.mkdir("d", dir_fd=fd)
        fd, parent = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), fd
        os.close(parent)
    deep = os.open("f", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.fchown(deep, ben.pw_uid, -1)
    os.fchmod(deep, 0o6666)
    report = disown.disown(str(top), ben.pw_uid, 60)
    try:
        assert report["complete"] and report["changed"] == 1, report
        info = os.fstat(deep)
        assert info.st_uid == 0 and stat.S_IMODE(info.st_mode) == 0o660  # no others, no setuid/setgid
        assert os.stat(outside / "his.txt").st_uid == ben.pw_uid  # behind a link: untouched
        assert os.lstat(top / "to-outside").st_uid == ben.pw_uid
    finally:
        os.close(deep)
        os.close(fd)
        subprocess.run(["rm", "-rf", "--", str(top)], check=True)  # pytest's rmtree would recurse


def test_a_start_makes_no_group_list_members_and_tells_nobody_the_project(root, projects, accounts, monkeypatch):
    # attack (finding 6): every account read each project's name and members from /etc/group
    name = projects("secret")
    ann, cat = accounts("sann"), accounts("scat")
    subprocess_groupadd_legacy_member(name, ann, root)
    start(ann, root, [name], monkeypatch)
    seen = as_account(cat, "import grp, json; print(json.dumps([(g.gr_name, g.gr_mem) for g in grp.getgrall()]))")
    found = json.loads(seen.stdout)
    assert [g for g, _ in found if name in g] == [] and [g for g, mem in found if ann.pw_name in mem] == []
    assert groups.group_name(name, groups.site_root(root)) in [g for g, _ in found]


def subprocess_groupadd_legacy_member(name, entry, root):
    """An older site's state: chp-<name> with the account listed in it, and its folder in the root."""
    subprocess.run(["groupadd", "-K", f"GID_MIN={groups.GID_MIN}", "-K", f"GID_MAX={groups.GID_MAX}",
                    groups.legacy_name(name)], check=True)
    subprocess.run(["gpasswd", "--add", entry.pw_name, groups.legacy_name(name)], check=True, capture_output=True)
    fd = folders.open_root(root)
    try:
        folders.ensure_folder(fd, name, grp.getgrnam(groups.legacy_name(name)).gr_gid)
    finally:
        os.close(fd)


# while a member, he makes folders that open what others make in them to him: a default ACL naming
# him, one giving others rw, one in his own group (setgid: what is made inside gets it); another member's
# files made there are then his to hard-link (he has rw)
OPENINGS = """import subprocess, sys
folder, uid, gid = sys.argv[1:]
for name, spec in (('to-me', f'd:u:{uid}:rw'), ('to-all', 'd:o::rw'), ('to-mine', '')):
    import os
    os.mkdir(f'{folder}/{name}')
    if spec:
        subprocess.run(['setfacl', '-m', spec, f'{folder}/{name}'], check=True)
os.chown(folder + '/to-mine', -1, int(gid))
"""
LINK_ALL = """import os, sys
folder, home = sys.argv[1:]
for name in ('to-me', 'to-all', 'to-mine'):
    os.link(f'{folder}/{name}/data.csv', f'{home}/{name}.csv')
os.link(f'{folder}/solo.txt', f'{home}/solo.txt')
"""


def test_ATTACK_a_leaver_keeps_no_way_into_other_members_files_made_where_he_opened_them(root, projects, accounts,
                                                                                         monkeypatch):
    name = projects("open")
    ann, ben, cat = accounts("oann"), accounts("oben"), accounts("ocat")
    for member in (ann, cat):
        start(member, root, [name], monkeypatch)
    _, spawner = start(ben, root, [name], monkeypatch)
    gids, folder = spawner.project_gids, f"{root}/{name}"
    made = as_account(ben, OPENINGS, folder, str(ben.pw_uid), str(ben.pw_gid), gids=gids)
    assert made.returncode == 0, made.stderr
    for sub in ("to-me", "to-all", "to-mine"):
        assert as_account(ann, WRITE, f"{folder}/{sub}/data.csv", "ann's\n", gids=gids).returncode == 0
    assert as_account(ann, "import os, sys; os.mkdir(sys.argv[1])", f"{folder}/to-me/sub", gids=gids).returncode == 0
    # ann names him herself on a file of hers, with the group's own entry narrower than the mask
    assert as_account(ann, WRITE, f"{folder}/solo.txt", "solo\n", gids=gids).returncode == 0
    subprocess.run(["setfacl", "--set", f"u::rw,u:{ben.pw_uid}:rw,g::r,m::rw,o::-", f"{folder}/solo.txt"], check=True)
    linked = as_account(ben, LINK_ALL, folder, ben.pw_dir, gids=gids)
    assert linked.returncode == 0, linked.stderr
    assert f"user:{ben.pw_uid}:rw-" in acl(f"{folder}/to-me/data.csv")
    assert "other::rw-" in acl(f"{folder}/to-all/data.csv")
    assert os.stat(f"{folder}/to-mine/data.csv").st_gid == ben.pw_gid

    start(ben, root, [], monkeypatch)  # removed: his next start
    still_open = [(kept, code) for kept in ("to-me.csv", "to-all.csv", "to-mine.csv", "solo.txt")
                  for code in ("read", "append")
                  if "PermissionError" not in as_account(ben, {"read": READ, "append": APPEND}[code],
                                                         f"{ben.pw_dir}/{kept}", "INJECTED\n").stderr]
    assert still_open == []
    for sub in ("to-me", "to-all", "to-mine"):
        data = f"{folder}/{sub}/data.csv"
        info, entries = os.stat(data), acl(data)
        assert (info.st_uid, info.st_gid) == (ann.pw_uid, gids[0]) and open(data).read() == "ann's\n"
        assert f"user:{ben.pw_uid}:" not in entries and "other::---" in entries and f"group:{gids[0]}:rw" in entries
        assert as_account(cat, APPEND, data, "cat\n", gids=gids).returncode == 0  # the group's access kept
        assert open(data).read() == "ann's\ncat\n"
    # ann's folder made in his: nothing made in it later names him or gives others anything
    sub = f"{folder}/to-me/sub"
    assert os.stat(sub).st_uid == ann.pw_uid and f":{ben.pw_uid}:" not in acl(sub)
    assert as_account(cat, WRITE, f"{sub}/later.txt", "x", gids=gids).returncode == 0
    assert f":{ben.pw_uid}:" not in acl(f"{sub}/later.txt") and "other::---" in acl(f"{sub}/later.txt")
    # her own file without him: the group keeps read only (not the mask's rw), she keeps rw
    solo = os.stat(f"{folder}/solo.txt")
    assert (solo.st_uid, stat.S_IMODE(solo.st_mode)) == (ann.pw_uid, 0o640)
    assert f":{ben.pw_uid}:" not in acl(f"{folder}/solo.txt")
    assert as_account(cat, APPEND, f"{folder}/solo.txt", "x", gids=gids).returncode != 0
    assert as_account(ann, APPEND, f"{folder}/solo.txt", "ann\n", gids=gids).returncode == 0
    # a walk taken up again (unfinished, or while another server of his ran) changes nothing twice
    again = disown.disown(folder, ben.pw_uid, 60, tuple(leaving.own_groups(ben.pw_uid)))
    assert again == {"changed": 0, "complete": True, "reason": ""}
