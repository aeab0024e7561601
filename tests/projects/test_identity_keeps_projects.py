"""A login through a group-managing provider (OIDC, LDAP, site token)
replaces a person's hub groups with the provider's; project groups are
hub-owned, so hub/auth/identity.py's settle() keeps them. On JupyterHub's
real ORM (SQLite in memory) and base Authenticator; the same on a real hub
is tests/projects/test_declared_stack.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from jupyterhub import orm
from jupyterhub.auth import Authenticator

from campushub.hub.auth.identity import is_synced, settle
from campushub.projects import model


@pytest.fixture
def db():
    session = orm.new_session_factory("sqlite://")()
    yield session
    session.close()


def person_in(db, name: str, groups: dict[str, dict]) -> orm.User:
    user = orm.User(name=name)
    db.add(user)
    for group_name, properties in groups.items():
        group = orm.Group.find(db, group_name) or orm.Group(name=group_name, properties=properties)
        db.add(group)
        group.users.append(user)
    db.commit()
    return user


def login(db, user, reported: list[str]) -> dict:
    authenticator = Authenticator(manage_groups=True)
    return settle(authenticator, SimpleNamespace(db=db), {"name": user.name, "groups": reported}, user=user)


def test_a_project_group_survives_a_login_that_replaces_the_groups(db):
    bob = person_in(db, "bob", {"churn": model.properties_for(["alice"], "Churn"), "old-course": {}})
    login(db, bob, ["old-course"])  # the provider reported old-course once: it owns that group now
    model_after = login(db, bob, ["ml101"])  # and now reports ml101 instead
    assert model_after["groups"] == ["churn", "ml101"]  # the project kept, old-course left to the provider
    churn = orm.Group.find(db, "churn")
    assert not is_synced(churn) and model.is_project(churn.properties)


def test_a_login_reporting_no_groups_keeps_the_project(db):
    bob = person_in(db, "bob", {"churn": model.properties_for([], "")})
    assert login(db, bob, [])["groups"] == ["churn"]


def test_a_project_named_like_a_provider_group_is_the_providers_and_stays_a_project(db):
    # documented: the provider then decides who is in it; its project property is kept
    bob = person_in(db, "bob", {"analysts": model.properties_for(["alice"], "Analysts")})
    assert login(db, bob, ["analysts"])["groups"] == ["analysts"]
    analysts = orm.Group.find(db, "analysts")
    assert is_synced(analysts) and model.owners(analysts.properties) == ["alice"]
    assert login(db, bob, [])["groups"] == []  # the provider no longer reports him: he leaves it
