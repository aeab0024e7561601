"""Project name -> unix group name: valid, at most 32 characters, never two projects on one group."""

from __future__ import annotations

import re

import pytest

from campushub.deploy.local.projects.groups import group_name
from campushub.projects.model import check_name

GROUP = re.compile(r"[a-z_][a-z0-9_-]*")  # what groupadd accepts on Debian


@pytest.mark.parametrize("project", ["ab", "churn-model", "2026-q1", "a" * 24])
def test_short_names_are_kept(project):
    check_name(project)
    assert group_name(project) == f"chp-{project}"


@pytest.mark.parametrize("project", ["a" * 25, "a" * 40, "client-x-" + "9" * 31, "a-" * 19 + "zz"])
def test_long_names_are_hashed_to_exactly_32_characters(project):
    check_name(project)
    name = group_name(project)
    assert len(name) == 32 and GROUP.fullmatch(name) and name.startswith("chp-" + project[:11])


def test_a_kept_name_never_spells_a_hashed_one():
    # kept groups are at most 28 characters long, hashed ones exactly 32
    long = "abcdefghijk-" + "x" * 20
    hashed = group_name(long)
    lookalike = hashed[len("chp-"):]
    assert len(lookalike) == 28 and group_name(lookalike) != hashed


def test_long_names_differing_only_at_the_end_get_different_groups():
    names = [f"{'p' * 38}{a}{b}" for a in "ab" for b in "0123456789"]
    assert len({group_name(n) for n in names}) == len(names)
