"""Project groups with real groupadd and gpasswd: our gid range, membership made exact, other groups untouched."""

from __future__ import annotations

import grp
import os
import subprocess

import pytest

from campushub.deploy.local.projects import groups


def test_a_project_group_is_made_once_in_our_gid_range(projects):
    name = projects("g1")
    first = groups.ensure_group(name)
    assert first.gr_name == groups.group_name(name)
    assert groups.GID_MIN <= first.gr_gid <= groups.GID_MAX
    assert groups.ensure_group(name).gr_gid == first.gr_gid


def test_a_personal_group_with_a_project_group_name_is_never_used(projects, accounts):
    # a hub user "chp-<x>" with an empty user_prefix gets the personal group chp-<x> from useradd -U
    name = projects("own")
    person = accounts("own")
    subprocess.run(["groupadd", groups.group_name(name)], check=True)
    subprocess.run(["gpasswd", "--add", person.pw_name, groups.group_name(name)], check=True, capture_output=True)
    with pytest.raises(groups.NotOurs, match="not a CampusHub project group"):
        groups.ensure_group(name)
    # neither counted as a project membership nor left by set_memberships
    assert groups.memberships(person.pw_name) == set()
    groups.set_memberships(person.pw_name, set())
    assert person.pw_name in grp.getgrnam(groups.group_name(name)).gr_mem
    assert groups.remove_group(name) is False
    subprocess.run(["groupdel", groups.group_name(name)], check=True)


def test_membership_becomes_exactly_the_projects_given(projects, accounts):
    one, two = projects("m1"), projects("m2")
    person = accounts("mem")
    g1, g2 = groups.ensure_group(one), groups.ensure_group(two)
    subprocess.run(["groupadd", f"{person.pw_name}x"], check=True)  # a group of the operator's
    try:
        subprocess.run(["gpasswd", "--add", person.pw_name, f"{person.pw_name}x"], check=True, capture_output=True)
        joined, left = groups.set_memberships(person.pw_name, {g1.gr_name, g2.gr_name})
        assert (joined, left) == (sorted([g1.gr_name, g2.gr_name]), [])
        assert {g1.gr_gid, g2.gr_gid} <= set(os.getgrouplist(person.pw_name, person.pw_gid))
        assert groups.set_memberships(person.pw_name, {g2.gr_name}) == ([], [g1.gr_name])
        now = set(os.getgrouplist(person.pw_name, person.pw_gid))
        assert g1.gr_gid not in now and g2.gr_gid in now
        assert grp.getgrnam(f"{person.pw_name}x").gr_gid in now  # not a project group: kept
        assert groups.set_memberships(person.pw_name, {g2.gr_name}) == ([], [])
    finally:
        subprocess.run(["groupdel", f"{person.pw_name}x"], capture_output=True)


def test_removing_a_group(projects):
    name = projects("rm")
    groups.ensure_group(name)
    assert groups.remove_group(name) is True
    with pytest.raises(KeyError):
        grp.getgrnam(groups.group_name(name))
    assert groups.remove_group(name) is False
