"""Project folders on disk: the root, each folder's owner, mode and ACLs, and what members and
others can do in it, by real accounts with umask 077."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from campushub.deploy.local.projects import folders

from .conftest import as_account, group

WRITE = "import sys; open(sys.argv[1], 'w').write('x'); print(oct(__import__('os').stat(sys.argv[1]).st_mode))"
APPEND = "import sys; open(sys.argv[1], 'a').write('y')"
MKDIR_AND_WRITE = ("import os, sys; os.mkdir(sys.argv[1]); open(os.path.join(sys.argv[1], 'f'), 'w').write('z'); "
                   "print(oct(os.stat(sys.argv[1]).st_mode))")
LIST = "import os, sys; print(os.listdir(sys.argv[1]))"


def folder_for(root, name) -> tuple[int, str]:
    gid = group(name, root).gr_gid
    fd = folders.open_root(root)
    try:
        folders.ensure_folder(fd, name, gid)
    finally:
        os.close(fd)
    return gid, str(root / name)


def member(accounts, tag: str, project: str, root):
    """An account as a member's server runs: its launch adds the project's gid."""
    entry = accounts(tag)
    gid = group(project, root).gr_gid
    return lambda code, *args: as_account(entry, code, *args, gids=[gid])


def test_the_root_is_roots_and_closed_to_listing(root):
    os.close(folders.open_root(root))
    info = os.stat(root)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, 0, 0o711)
    os.chmod(root, 0o777)  # loosened by hand: tightened again
    os.close(folders.open_root(root))
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o711


def test_a_root_someone_else_made_or_a_link_is_refused(root, accounts, tmp_path):
    person = accounts("squat")
    root.mkdir()
    os.chown(root, person.pw_uid, person.pw_gid)  # as if they had made it first, under /tmp
    with pytest.raises(folders.FolderError, match="not root"):
        folders.open_root(root)
    assert os.stat(root).st_uid == person.pw_uid  # not taken over
    root.rmdir()
    root.symlink_to(tmp_path)
    with pytest.raises(folders.FolderError, match="symbolic link"):
        folders.open_root(root)
    root.unlink()


def test_a_root_members_could_not_reach_is_refused(root):
    root.mkdir(mode=0o700)
    with pytest.raises(folders.FolderError, match="closed to other accounts"):
        folders.open_root(root / "projects")


@pytest.mark.parametrize("where", ["/tmp/projects", "/dev/shm/p", "/var/tmp/x/projects"])
def test_a_root_every_server_sees_as_its_own_tmpfs_is_refused(where):
    with pytest.raises(folders.FolderError, match="its own empty tmpfs"):
        folders.open_root(Path(where))
    assert not os.path.lexists(where)


def test_a_project_folder_is_setgid_group_only_with_default_acls(root, projects):
    name = projects("f1")
    gid, path = folder_for(root, name)
    info = os.stat(path)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, gid, 0o2770)
    acl = subprocess.run(["getfacl", "--numeric", "--omit-header", path], capture_output=True, text=True).stdout
    for entry in (f"group:{gid}:rwx", "other::---", f"default:group:{gid}:rwx", "default:group::rwx",
                  "default:mask::rwx", "default:other::---"):
        assert entry in acl.split(), acl
    folder_for(root, name)  # again: the same
    assert subprocess.run(["getfacl", "--numeric", "--omit-header", path], capture_output=True,
                          text=True).stdout == acl


def test_members_share_files_whatever_their_umask_and_others_get_nothing(root, projects, accounts):
    name = projects("f2")
    _, path = folder_for(root, name)
    ann, ben = member(accounts, "ann", name, root), member(accounts, "ben", name, root)
    cat = accounts("cat")
    made = ann(WRITE, f"{path}/by-ann.txt")
    assert made.returncode == 0, made.stderr
    assert int(made.stdout, 8) & 0o777 == 0o660  # umask 077, yet group read/write
    assert ben(APPEND, f"{path}/by-ann.txt").returncode == 0
    with open(f"{path}/by-ann.txt") as f:
        assert f.read() == "xy"
    made = ann(MKDIR_AND_WRITE, f"{path}/sub")
    assert made.returncode == 0, made.stderr
    assert int(made.stdout, 8) & 0o2777 == 0o2770  # setgid and the default ACL are inherited
    assert ben(APPEND, f"{path}/sub/f").returncode == 0
    for code, target in ((LIST, path), (APPEND, f"{path}/by-ann.txt"), (WRITE, f"{path}/by-cat.txt")):
        refused = as_account(cat, code, target)
        assert refused.returncode != 0 and "PermissionError" in refused.stderr, refused


def test_a_link_at_a_project_folders_place_is_never_followed(root, projects, tmp_path):
    name = projects("f3")
    gid = group(name, root).gr_gid
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    os.close(folders.open_root(root))
    (root / name).symlink_to(elsewhere)  # only root can write in the root; still, never followed
    fd = folders.open_root(root)
    try:
        with pytest.raises(OSError):
            folders.ensure_folder(fd, name, gid)
    finally:
        os.close(fd)
    info = os.stat(elsewhere)
    assert (info.st_gid, stat.S_IMODE(info.st_mode)) == (0, 0o700)
    assert b"default" not in subprocess.run(["getfacl", str(elsewhere)], capture_output=True).stdout
