"""Project groups with real groupadd, groupmod and gpasswd: our gid range, nobody listed as a member,
a gid never given out twice (deleted projects leave a tombstone), old-style groups renamed with their gid."""

from __future__ import annotations

import grp
import subprocess

import pytest

from campushub.deploy.local.projects import groups


def test_a_project_group_is_made_once_in_our_gid_range_with_no_members(projects):
    name = projects("g1")
    first = groups.ensure_group(name)
    assert first.gr_name == groups.group_name(name) and name not in first.gr_name
    assert groups.GID_MIN <= first.gr_gid <= groups.GID_MAX and first.gr_mem == []
    assert groups.ensure_group(name).gr_gid == first.gr_gid


def test_a_personal_group_with_a_project_group_name_is_never_used(projects):
    # a hub user "chp-<x>" with an empty user_prefix gets the personal group chp-<x> from useradd -U
    name = projects("own")
    subprocess.run(["groupadd", groups.group_name(name)], check=True)
    with pytest.raises(groups.NotOurs, match="not a CampusHub project group"):
        groups.ensure_group(name)
    assert groups.remove_group(name) is False
    assert grp.getgrnam(groups.group_name(name)).gr_gid < groups.GID_MIN  # left as it was


def test_ATTACK_a_deleted_projects_gid_never_goes_to_the_next_project(projects, tombstones):
    # attack (finding 1): groupdel freed the gid and the next groupadd gave it to a new project, whose
    # members then opened what was left of the deleted one (a kept folder, old servers' gids)
    gone, fresh = projects("gone"), projects("fresh")
    old = groups.ensure_group(gone)
    assert groups.remove_group(gone) is True
    tombstones.append(old.gr_gid)
    tomb = grp.getgrgid(old.gr_gid)
    assert tomb.gr_name == f"{groups.RETIRED}{old.gr_gid}" and tomb.gr_mem == []
    with pytest.raises(KeyError):
        grp.getgrnam(groups.group_name(gone))
    assert groups.ensure_group(fresh).gr_gid != old.gr_gid
    again = groups.ensure_group(gone)  # the same name again: a new group, a new gid
    assert again.gr_gid not in (old.gr_gid, groups.ensure_group(fresh).gr_gid)
    assert groups.remove_group("never-made-" + gone) is False


def test_old_style_groups_are_renamed_keeping_their_gid_and_members_taken_out(projects, accounts, tombstones):
    name = projects("old")
    person = accounts("old")
    subprocess.run(["groupadd", "-K", f"GID_MIN={groups.GID_MIN}", "-K", f"GID_MAX={groups.GID_MAX}",
                    groups.legacy_name(name)], check=True)
    subprocess.run(["gpasswd", "--add", person.pw_name, groups.legacy_name(name)], check=True, capture_output=True)
    gid = grp.getgrnam(groups.legacy_name(name)).gr_gid
    entry = groups.ensure_group(name)
    assert (entry.gr_name, entry.gr_gid) == (groups.group_name(name), gid)
    assert groups.clear_members(entry) == [person.pw_name]
    assert grp.getgrgid(gid).gr_mem == []


def test_a_gid_no_group_holds_gets_a_tombstone(projects, tombstones):
    name = projects("orphan")
    gid = groups.ensure_group(name).gr_gid
    subprocess.run(["groupdel", groups.group_name(name)], check=True)  # as the old deletion did
    tombstones.append(gid)
    assert groups.keep_gid(gid) is True and grp.getgrgid(gid).gr_name == f"{groups.RETIRED}{gid}"
    assert groups.keep_gid(gid) is False
