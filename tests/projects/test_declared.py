"""Declared projects in the hub's database, on JupyterHub's real ORM (SQLite
in memory) and its base Authenticator, without a running hub: created,
updated (the file wins for title and owners), members added and others kept,
a bad entry refused whole and logged while the rest goes on. The hub's own
start-up running it is tests/projects/test_declared_stack.py."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from jupyterhub import orm, roles
from jupyterhub.auth import Authenticator

from campushub.projects import model
from campushub.projects.declared import DeclaredProjects


class RecordingAuthenticator(Authenticator):
    """The base class, with add_user calls counted (what load_groups calls too)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.added = []

    def add_user(self, user):
        self.added.append(user.name)
        return super().add_user(user)


def new_app() -> SimpleNamespace:
    db = orm.new_session_factory("sqlite://")()
    for role in roles.get_default_roles():  # as the hub's init_role_creation does
        roles.create_role(db, role)
    return SimpleNamespace(db=db, authenticator=RecordingAuthenticator())


@pytest.fixture
def app():
    app = new_app()
    yield app
    app.db.close()


def sync(app, projects: dict) -> list[str]:
    return DeclaredProjects(projects=projects).sync(app)


def group(app, name):
    return orm.Group.find(app.db, name)


def test_a_declared_project_is_a_project_group_with_its_members(app):
    assert sync(app, {"churn-model": {"title": "Churn model", "owners": ["alice"], "members": ["bob", "carol"]}}) \
        == ["churn-model"]
    g = group(app, "churn-model")
    assert model.is_project(g.properties) and model.owners(g.properties) == ["alice"]
    assert model.title(g.properties, g.name) == "Churn model"
    assert sorted(u.name for u in g.users) == ["alice", "bob", "carol"]
    assert sorted(app.authenticator.added) == ["alice", "bob", "carol"]  # users created as load_groups does
    bob = orm.User.find(app.db, "bob")
    assert "user" in [r.name for r in bob.roles]  # with the default role, or they could do nothing
    assert model.projects_of(bob) == ["churn-model"]


def test_the_file_wins_for_title_and_owners_and_members_added_elsewhere_stay(app):
    sync(app, {"churn": {"title": "Old", "owners": ["alice"], "members": ["bob"]}})
    g = group(app, "churn")
    dan = orm.User(name="dan")
    app.db.add(dan)
    g.users.append(dan)  # added on the projects page meanwhile
    g.properties = {**model.properties_for(["dan"], "Renamed on the page", g.properties), "campushub_synced": True}
    app.db.commit()
    sync(app, {"churn": {"title": "New", "owners": ["erin"], "members": ["bob"]}})
    g = group(app, "churn")
    assert model.title(g.properties, "churn") == "New" and model.owners(g.properties) == ["erin"]
    assert g.properties["campushub_synced"] is True  # other keys kept
    assert sorted(u.name for u in g.users) == ["alice", "bob", "dan", "erin"]


def test_an_existing_plain_group_becomes_the_project(app):
    app.db.add(orm.Group(name="analysts", properties={"colour": "blue"}))
    app.db.commit()
    sync(app, {"analysts": {"members": ["bob"]}})
    g = group(app, "analysts")
    assert g.properties["colour"] == "blue" and model.is_project(g.properties)
    assert [u.name for u in g.users] == ["bob"]


def test_a_second_start_changes_nothing(app):
    projects = {"churn": {"title": "Churn", "owners": ["alice"], "members": ["bob"]}}
    sync(app, projects)
    before = dict(group(app, "churn").properties)
    app.authenticator.added.clear()
    sync(app, projects)
    assert group(app, "churn").properties == before and app.authenticator.added == []
    assert len(group(app, "churn").users) == 2


def test_names_are_normalised_as_the_authenticator_does(app):
    app.authenticator.username_map = {"bobby": "bob"}
    sync(app, {"churn": {"owners": ["bobby"]}})
    g = group(app, "churn")
    assert model.owners(g.properties) == ["bob"] and [u.name for u in g.users] == ["bob"]


@pytest.mark.parametrize("spec, words", [
    ({"owners": ["Alice"]}, "not a user name"),
    ({"members": "bob"}, "must be a list"),
    ({"title": 3}, "title must be text"),
])
def test_a_bad_entry_is_refused_whole_and_the_others_done(app, caplog, spec, words):
    with caplog.at_level(logging.ERROR):
        done = sync(app, {"bad-one": {**spec, "members": spec.get("members", ["carol"])}, "good": {"members": ["bob"]}})
    assert done == ["good"] and group(app, "bad-one") is None
    assert orm.User.find(app.db, "carol") is None  # nothing of the refused project was made
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "'bad-one'" in errors[0] and words in errors[0] and "\n" not in errors[0]


def test_a_bad_project_name_is_refused(app, caplog):
    with caplog.at_level(logging.ERROR):
        assert sync(app, {"Bad Name": {"members": ["bob"]}}) == []
    assert app.db.query(orm.Group).count() == 0 and "not a project name" in caplog.text


def test_a_name_the_authenticator_refuses_creates_nothing(app, caplog):
    app.authenticator.username_pattern = "^[a-z]+$"
    with caplog.at_level(logging.ERROR):
        assert sync(app, {"churn": {"members": ["bob", "user9"]}}) == []
    assert group(app, "churn") is None and orm.User.find(app.db, "bob") is None
    assert "refuses the user name 'user9'" in caplog.text


def test_install_outside_a_hub_does_nothing():
    import sys
    if "jupyterhub.app" in sys.modules and sys.modules["jupyterhub.app"].JupyterHub.initialized():
        pytest.skip("a JupyterHub application exists in this test process")
    assert DeclaredProjects.install() is False
