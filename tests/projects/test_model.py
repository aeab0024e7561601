"""The project model: names safe as paths, unix groups and Kubernetes names;
the group property read defensively; who may see and manage a project."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from campushub.projects import model
from campushub.projects.model import (
    PROPERTY,
    check_name,
    check_user_name,
    is_member,
    is_project,
    may_create,
    may_manage,
    may_see,
    members_owners,
    owners,
    projects_of,
    properties_for,
    title,
)


@pytest.mark.parametrize("name", ["ab", "churn-model", "p1", "a" * 40, "2026-q1"])
def test_good_names(name):
    check_name(name)


@pytest.mark.parametrize("name", [
    "a", "a" * 41, "-ab", "ab-", "Churn", "churn_model", "churn model", "../etc", "ab/cd", "ü-x", "", None, 12,
])
def test_bad_names_are_one_line_saying_what_to_do(name):
    with pytest.raises(ValueError) as e:
        check_name(name)
    assert "lower-case letters, digits and hyphens" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("name", ["Alice", " alice", "al ice", "a/b", "", None])
def test_bad_user_names(name):
    with pytest.raises(ValueError, match="not a user name"):
        check_user_name(name)


def test_user_names_as_the_hub_stores_them():
    for name in ("alice", "alice@example.org", "j.doe", "ユーザー"):
        check_user_name(name)


def test_the_property_is_read_defensively():
    assert not is_project(None) and not is_project({}) and not is_project({PROPERTY: "yes"})
    assert is_project({PROPERTY: {}})
    assert owners({PROPERTY: {"owners": "alice"}}) == []  # a string is no list of owners
    assert owners({PROPERTY: {"owners": ["bob", "alice", "bob", 3, ""]}}) == ["alice", "bob"]
    assert owners({"other": 1}) == []
    assert title({PROPERTY: {"title": "  "}}, "churn") == "churn"
    assert title({PROPERTY: {"title": "Churn model"}}, "churn") == "Churn model"
    assert title(None, "churn") == "churn"


def test_properties_for_keeps_other_keys():
    existing = {"campushub_synced": True, PROPERTY: {"owners": ["zed"], "title": "Old", "created": "2026-01-01"}}
    new = properties_for(["bob", "alice", "bob"], "New", existing)
    assert new == {"campushub_synced": True,
                   PROPERTY: {"owners": ["alice", "bob"], "title": "New", "created": "2026-01-01"}}
    assert existing[PROPERTY]["title"] == "Old"  # not changed in place: the caller decides to save
    assert properties_for([], "") == {PROPERTY: {"owners": [], "title": ""}}


def _group(name, properties):
    return SimpleNamespace(name=name, properties=properties)


def test_projects_of_lists_only_project_groups():
    user = SimpleNamespace(groups=[_group("zeta", properties_for([], "")), _group("students", {}),
                                   _group("alpha", properties_for(["a"], "A")), _group("old", None)])
    assert projects_of(user) == ["alpha", "zeta"]
    assert projects_of(SimpleNamespace(groups=[])) == []


PROJECT = {"name": "churn", "users": ["alice", "bob"], "properties": properties_for(["alice"], "Churn")}


@pytest.mark.parametrize("user, see, manage", [
    ({"name": "alice", "admin": False, "groups": ["churn"]}, True, True),  # owner
    ({"name": "bob", "admin": False}, True, False),  # member by the group's users
    ({"name": "bob", "admin": False, "groups": ["churn"]}, True, False),
    ({"name": "carol", "admin": False, "groups": ["students"]}, False, False),  # outsider
    ({"name": "root", "admin": True, "groups": []}, True, True),  # admin
    ({"admin": False}, False, False),
])
def test_who_may_see_and_manage(user, see, manage):
    assert may_see(user, PROJECT) is see
    assert may_manage(user, PROJECT) is manage


def test_an_owner_named_in_the_property_but_not_in_the_group_owns_nothing():
    # an admin removed dan from the group (REST API, admin page), or dan was deleted and made again:
    # the property still names him, and he must neither see nor manage the project
    group = {"name": "churn", "users": ["erin"], "properties": properties_for(["dan", "erin"], "")}
    dan = {"name": "dan", "admin": False, "groups": []}
    assert not is_member(dan, group) and not may_see(dan, group) and not may_manage(dan, group)
    assert members_owners(group) == ["erin"]
    assert may_manage({"name": "erin", "admin": False, "groups": ["churn"]}, group)
    assert members_owners({"name": "x", "properties": properties_for(["a"], "")}) == []


def test_a_plain_group_is_nobodys_project():
    group = {"name": "students", "users": ["carol"], "properties": {}}
    assert not may_see({"name": "carol"}, group) and not may_see({"name": "root", "admin": True}, group)
    assert not may_manage({"name": "root", "admin": True}, {"name": "x", "properties": {}})


def test_only_admins_create():
    assert may_create({"name": "root", "admin": True}) and not may_create({"name": "alice", "admin": False})


def test_model_imports_nothing_of_jupyterhub():
    import ast
    import inspect
    tree = ast.parse(inspect.getsource(model))
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in imported if m and m.startswith(("jupyterhub", "tornado", "traitlets"))]
