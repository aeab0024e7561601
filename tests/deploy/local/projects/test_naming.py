"""Project name -> unix group name: valid, exactly 32 characters, not the project's name, never two
projects on one group, never a tombstone's; the old names are still known (for renaming them)."""

from __future__ import annotations

import re

import pytest

from campushub.deploy.local.projects.groups import RETIRED, group_name, legacy_name
from campushub.projects.model import check_name

GROUP = re.compile(r"[a-z_][a-z0-9_-]*")  # what groupadd accepts on Debian


@pytest.mark.parametrize("project", ["ab", "churn-model", "2026-q1", "a" * 24, "a" * 40, "a-" * 19 + "zz"])
def test_group_names_do_not_spell_the_project(project):
    check_name(project)
    name = group_name(project)
    assert len(name) == 32 and GROUP.fullmatch(name) and name.startswith("chp-")
    assert re.fullmatch("[0-9a-f]{28}", name[4:]) and name != legacy_name(project)  # a hash, not the name


def test_long_names_differing_only_at_the_end_get_different_groups():
    names = [f"{'p' * 38}{a}{b}" for a in "ab" for b in "0123456789"]
    assert len({group_name(n) for n in names}) == len(names)


def test_no_project_group_is_a_tombstone_or_an_old_name():
    assert not group_name("deleted-70001").startswith(RETIRED)  # an underscore: in no project name
    assert GROUP.fullmatch(RETIRED + "70001")
    for project in ("ab", "a" * 24, "a" * 25):
        assert group_name(project) != legacy_name(project)
    assert legacy_name("churn-model") == "chp-churn-model"
    assert len(legacy_name("a" * 40)) == 32 and legacy_name("a" * 40).startswith("chp-" + "a" * 11 + "-")
