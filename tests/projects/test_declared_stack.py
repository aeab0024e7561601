"""Declared projects on a real hub (`campushub up`) whose sign-in manages
groups (site token SSO: JupyterHub's load_groups would refuse to run): after
each start the declared projects are groups with the project property and
their members; a member's login, which replaces their groups with the site's,
keeps the project; at the next start the file wins for title and owners while
members added meanwhile stay."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import requests

from campushub.projects import model
from tests.harness import TEST_PREFIX, Hub, running
from tests.hub.auth.site_db import SiteDB

PREFIX = TEST_PREFIX + "p"  # this module's unix accounts (none expected: no server starts)
SITE = "https://learn.example.com/lessons"
DECLARED = {"churn-model": {"title": "Churn model", "owners": ["alice"], "members": ["bob"]},
            "q1-report": {"members": ["carol"]}}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return SiteDB(f"sqlite:///{tmp_path_factory.mktemp('site') / 'site.db'}", hashed=True)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, site):
    # a root of its own: `up` claims a site's projects.root (the default one would stay claimed by
    # this test's data dir for every later site on the machine)
    root = Path(f"/srv/chp-test-declared-{os.getpid()}")
    h = Hub.create(tmp_path_factory.mktemp("declared"), {
        "spawner": {"user_prefix": PREFIX},
        "auth": {"type": "site_token", "site_token": {"site_url": SITE, "database": site.config()}},
        "projects": {"declared": DECLARED, "root": str(root)},
    }, servers=False)
    try:
        with running(h, PREFIX, admin=None):
            yield h
    finally:
        shutil.rmtree(root, ignore_errors=True)


def group(hub: Hub, name: str) -> dict:
    r = hub.api("GET", f"groups/{name}")
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json()


def sso_login(hub: Hub, token: str) -> None:
    r = requests.get(f"{hub.url}/hub/login", params={"token": token}, allow_redirects=False, timeout=30)
    assert r.status_code == 302, (r.status_code, r.text[:300])


def test_declared_projects_are_project_groups_after_the_start(hub):
    churn = group(hub, "churn-model")
    assert churn["properties"][model.PROPERTY] == {"owners": ["alice"], "title": "Churn model"}
    assert sorted(churn["users"]) == ["alice", "bob"]  # owners are members
    q1 = group(hub, "q1-report")
    assert model.is_project(q1["properties"]) and model.owners(q1["properties"]) == []
    assert q1["users"] == ["carol"]
    assert hub.api("GET", "users/bob").json()["groups"] == ["churn-model"]


def test_a_login_that_replaces_a_members_groups_keeps_the_project(hub, site):
    sso_login(hub, site.issue("bob", groups=["ml101"]))
    assert hub.api("GET", "users/bob").json()["groups"] == ["churn-model", "ml101"]
    sso_login(hub, site.issue("bob", groups=[]))  # the site drops ml101: the project stays
    assert hub.api("GET", "users/bob").json()["groups"] == ["churn-model"]
    assert sorted(group(hub, "churn-model")["users"]) == ["alice", "bob"]


def test_at_the_next_start_the_file_wins_and_members_added_meanwhile_stay(hub):
    # meanwhile, through the REST API (as the projects page does): a new member, another title
    assert hub.api("POST", "users/dan").status_code == 201
    assert hub.api("POST", "groups/churn-model/users", json={"users": ["dan"]}).status_code == 200
    renamed = model.properties_for(["alice"], "Renamed on the page", group(hub, "churn-model")["properties"])
    assert hub.api("PUT", "groups/churn-model/properties", json=renamed).status_code == 200
    # the operator hands churn-model to erin in the file and restarts the hub
    config = json.loads(hub.config_file.read_text())
    config["projects"]["declared"]["churn-model"]["owners"] = ["erin"]
    hub.config_file.write_text(json.dumps(config))
    hub.down()
    hub.up(admin=None)
    churn = group(hub, "churn-model")
    assert churn["properties"][model.PROPERTY] == {"owners": ["erin"], "title": "Churn model"}
    assert sorted(churn["users"]) == ["alice", "bob", "dan", "erin"]
