"""Project groups with real groupadd, groupmod and gpasswd: our gid range, nobody listed as a member,
a gid never given out twice (deleted projects leave a tombstone), old-style groups renamed with their gid."""

from __future__ import annotations

import grp
import os
import subprocess

import pytest

from campushub.deploy.local.projects import folders, groups


def old_folder(root, name: str, gid: int) -> None:
    """<root>/<name> of gid, as an older site made it."""
    fd = folders.open_root(root)
    try:
        folders.ensure_folder(fd, name, gid)
    finally:
        os.close(fd)


def test_a_project_group_is_made_once_in_our_gid_range_with_no_members(projects, root):
    name, here = projects("g1"), groups.site_root(root)
    first = groups.ensure_group(name, here)
    assert first.gr_name == groups.group_name(name, here) and name not in first.gr_name
    assert groups.GID_MIN <= first.gr_gid <= groups.GID_MAX and first.gr_mem == []
    assert groups.ensure_group(name, here).gr_gid == first.gr_gid
    assert groups.current_gid(name, here) == first.gr_gid


def test_a_personal_group_with_a_project_group_name_is_never_used(projects, root):
    # a hub user "chp-<x>" with an empty user_prefix gets the personal group chp-<x> from useradd -U
    name, here = projects("own"), groups.site_root(root)
    subprocess.run(["groupadd", groups.group_name(name, here)], check=True)
    with pytest.raises(groups.NotOurs, match="not a CampusHub project group"):
        groups.ensure_group(name, here)
    assert groups.remove_group(name, here) is False and groups.current_gid(name, here) is None
    assert grp.getgrnam(groups.group_name(name, here)).gr_gid < groups.GID_MIN  # left as it was


def test_ATTACK_a_deleted_projects_gid_never_goes_to_the_next_project(projects, tombstones, root):
    # attack (finding 1): groupdel freed the gid and the next groupadd gave it to a new project, whose
    # members then opened what was left of the deleted one (a kept folder, old servers' gids)
    gone, fresh, here = projects("gone"), projects("fresh"), groups.site_root(root)
    old = groups.ensure_group(gone, here)
    assert groups.remove_group(gone, here) is True
    tombstones.append(old.gr_gid)
    tomb = grp.getgrgid(old.gr_gid)
    assert tomb.gr_name == f"{groups.RETIRED}{old.gr_gid}" and tomb.gr_mem == []
    with pytest.raises(KeyError):
        grp.getgrnam(groups.group_name(gone, here))
    assert groups.ensure_group(fresh, here).gr_gid != old.gr_gid
    again = groups.ensure_group(gone, here)  # the same name again: a new group, a new gid
    assert again.gr_gid not in (old.gr_gid, groups.ensure_group(fresh, here).gr_gid)
    assert groups.remove_group("never-made-" + gone, here) is False


def test_old_style_groups_are_renamed_keeping_their_gid_and_members_taken_out(projects, accounts, tombstones, root):
    name, here = projects("old"), groups.site_root(root)
    person = accounts("old")
    subprocess.run(["groupadd", "-K", f"GID_MIN={groups.GID_MIN}", "-K", f"GID_MAX={groups.GID_MAX}",
                    groups.legacy_name(name)], check=True)
    subprocess.run(["gpasswd", "--add", person.pw_name, groups.legacy_name(name)], check=True, capture_output=True)
    gid = grp.getgrnam(groups.legacy_name(name)).gr_gid
    old_folder(root, name, gid)  # its folder here: this site's group
    assert groups.current_gid(name, here) == gid  # until it is renamed
    entry = groups.ensure_group(name, here)
    assert (entry.gr_name, entry.gr_gid) == (groups.group_name(name, here), gid)
    assert groups.clear_members(entry) == [person.pw_name]
    assert grp.getgrgid(gid).gr_mem == []


def test_an_old_style_group_owning_no_folder_here_is_not_this_sites(projects, root):
    # every site named a project's group chp-<name>: one whose gid owns nothing in this root is
    # another site's (its folder is in its own root), and none of this site's projects gets it
    name, here = projects("elsewhere"), groups.site_root(root)
    subprocess.run(["groupadd", "-K", f"GID_MIN={groups.GID_MIN}", "-K", f"GID_MAX={groups.GID_MAX}",
                    groups.legacy_name(name)], check=True)
    theirs = grp.getgrnam(groups.legacy_name(name)).gr_gid
    assert groups.current_gid(name, here) is None and groups.remove_group(name, here) is False
    mine = groups.ensure_group(name, here)
    assert mine.gr_gid != theirs and grp.getgrgid(theirs).gr_name == groups.legacy_name(name)


def test_a_gid_no_group_holds_gets_a_tombstone(projects, tombstones, root):
    name, here = projects("orphan"), groups.site_root(root)
    gid = groups.ensure_group(name, here).gr_gid
    subprocess.run(["groupdel", groups.group_name(name, here)], check=True)  # as the old deletion did
    tombstones.append(gid)
    assert groups.keep_gid(gid) is True and grp.getgrgid(gid).gr_name == f"{groups.RETIRED}{gid}"
    assert groups.keep_gid(gid) is False
