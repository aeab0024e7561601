"""The projects service's rules (rules.py) on the hub's user and group models, without a hub."""

from __future__ import annotations

import pytest

from campushub.projects.model import PROPERTY
from campushub.projects.web import rules
from campushub.projects.web.rules import Refused

ANN = {"name": "ann", "admin": False, "groups": ["p-one"]}
BEN = {"name": "ben", "admin": False, "groups": ["p-one"]}
DEE = {"name": "dee", "admin": False, "groups": []}
ROOT = {"name": "root", "admin": True, "groups": []}
ONE = {"name": "p-one", "users": ["ann", "ben"], "properties": {PROPERTY: {"owners": ["ann"], "title": "One"}}}
PLAIN = {"name": "course", "users": ["dee"], "properties": {}}


def refused(fn, *args) -> Refused:
    with pytest.raises(Refused) as e:
        fn(*args)
    return e.value


@pytest.mark.parametrize("user,group", [(DEE, ONE), (DEE, PLAIN), (ROOT, PLAIN), (ANN, None)])
def test_not_seen_is_404_alike(user, group):
    e = refused(rules.visible, user, group, "x")
    assert e.status == 404 and e.message == rules.NO_PROJECT


@pytest.mark.parametrize("user", [ANN, BEN, ROOT])
def test_members_and_admins_see(user):
    assert rules.visible(user, ONE, "p-one") is ONE


@pytest.mark.parametrize("name", ["..", "a/b", "A-b", "x", "-ab", "a" * 41, "", None])
def test_a_name_that_cannot_be_a_project_is_not_found(name):
    assert refused(rules.project_name, name).status == 404


def test_managers_are_owners_and_admins():
    rules.manageable(ANN, ONE)
    rules.manageable(ROOT, ONE)
    assert refused(rules.manageable, BEN, ONE).status == 403


def test_only_admins_create():
    rules.admin(ROOT)
    assert refused(rules.admin, ANN).message == rules.ADMINS_ONLY


def test_a_new_project_is_cleaned_and_owners_are_members():
    assert rules.new_project(" p-two ", " Two ", "cal, dee", ["eve"]) == ("p-two", "Two", ["cal", "dee"],
                                                                           ["cal", "dee", "eve"])


@pytest.mark.parametrize("args,message", [
    (("P", "", ["ann"], []), rules.BAD_NAME),
    (("p-two", "a\nb", ["ann"], []), rules.BAD_TITLE),
    (("p-two", "x" * 201, ["ann"], []), rules.BAD_TITLE),
    (("p-two", "", [], ["ann"]), rules.NO_OWNER),
    (("p-two", "", ["Ann"], []), rules.BAD_USER),
    (("p-two", "", ["ann"], [{"name": "x"}]), rules.BAD_USER),
    (("p-two", "", ["a b"], []), rules.BAD_USER),
])
def test_bad_new_projects(args, message):
    e = refused(rules.new_project, *args)
    assert e.status == 400 and e.message == message


def test_removing_members_and_owners():
    assert rules.removal(ANN, ONE, "ben", ownership_only=False) == ["ann"]
    assert refused(rules.removal, ANN, ONE, "dee", False).message == rules.NOT_MEMBER
    assert refused(rules.removal, ANN, ONE, "ben", True).message == rules.NOT_OWNER
    # the last owner stays, unless an admin leaves the project to the admins
    assert refused(rules.removal, ANN, ONE, "ann", True).message == rules.LAST_OWNER
    assert refused(rules.removal, ANN, ONE, "ann", False).message == rules.LAST_OWNER
    assert rules.removal(ROOT, ONE, "ann", ownership_only=True) == []


def test_an_owner_outside_the_group_manages_nothing_and_is_dropped():
    # ann removed from p-one's group by an admin; the property still names her
    stale = {**ONE, "users": ["ben"]}
    assert refused(rules.manageable, {**ANN, "groups": []}, stale).status == 403
    assert refused(rules.visible, {**ANN, "groups": []}, stale, "p-one").status == 404
    # an admin's change writes the owners back without her; she is no member to remove
    both = {**ONE, "users": ["ben", "cal"], "properties": {PROPERTY: {"owners": ["ann", "cal"], "title": "One"}}}
    assert rules.removal(ROOT, both, "ben", ownership_only=False) == ["cal"]
    assert refused(rules.removal, ROOT, both, "ann", False).message == rules.NOT_MEMBER


def test_declared_members_and_owners_are_changed_in_the_file_only():
    declared = {"title": "One", "owners": ["ann"], "members": ["ann", "ben"]}
    two = {**ONE, "users": ["ann", "ben", "cal"], "properties": {PROPERTY: {"owners": ["ann", "cal"], "title": ""}}}
    for person, ownership_only in (("ben", False), ("ann", False), ("ann", True)):
        e = refused(rules.removal, ROOT, two, person, ownership_only, declared)
        assert e.status == 400 and e.message == rules.DECLARED and e.values == {"user": person}
    # members the file does not name stay the page's to change; its owners are the file's alone
    assert rules.removal(ROOT, two, "cal", False, declared) == ["ann"]
    e = refused(rules.removal, ROOT, two, "cal", True, declared)
    assert e.status == 400 and e.message == rules.OWNERS_DECLARED


def test_ATTACK_an_owner_the_file_does_not_name_is_refused_on_a_declared_project():
    # attack round 2, finding 4: accepted (200), then silently dropped at the next hub start
    declared = {"title": "One", "owners": ["ann"], "members": ["ann", "ben"]}
    for person in ("ben", "cal"):  # a declared member, anyone else
        e = refused(rules.new_owner, person, declared)
        assert e.status == 400 and e.message == rules.OWNERS_DECLARED
    rules.new_owner("ann", declared)  # already the file's owner: nothing to refuse
    rules.new_owner("cal", None)  # a project the file does not declare


@pytest.mark.parametrize("title", [5, ["x"], {"a": 1}, True])
def test_a_title_that_is_no_text_is_refused(title):
    e = refused(rules.new_project, "p-two", title, ["ann"], [])
    assert e.status == 400 and e.message == rules.BAD_TITLE


def test_deleting_needs_the_name_typed():
    rules.confirmed("p-one", " p-one ")
    for typed in ("p-two", "", None, ["p-one"]):
        assert refused(rules.confirmed, "p-one", typed).status == 400
