"""Shared fixtures for tests/assignments: the ps1 fixture assignment (source
and release through the real format package) and a fresh Store on SQLite or
on a real PostgreSQL (tests/postgres.py), one database per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from .. import postgres

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture(scope="session")
def ps1_source():
    from campushub.assignments.format.source import load_source

    return load_source(FIXTURES / "ps1")


@pytest.fixture(scope="session")
def ps1_release(ps1_source):
    from campushub.assignments.format.release import make_release

    return make_release(ps1_source)


def fresh_url(kind: str, tmp_path: Path, request) -> str:
    """A new, empty database of `kind` ("sqlite" or "postgres")."""
    return postgres.fresh_url(kind, tmp_path, request, "assignments")


# PostgreSQL starts a server (tests/postgres.py): the stack tier, which
# tests/tiers.py cannot see through getfixturevalue.
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.stack)])
def store_url(request, tmp_path):
    return fresh_url(request.param, tmp_path, request)


@pytest.fixture
def store(store_url):
    from campushub.assignments.store import Store

    s = Store(store_url)
    yield s
    s.close()


@pytest.fixture
def ps1(store, ps1_source, ps1_release):
    """ps1 created and released in course c1 of `store`."""
    return store.create_assignment("c1", "ps1", title="Problem set 1", due=None, source=ps1_source,
                                   release=ps1_release, by="teacher", released=True)


@pytest.fixture(scope="session")
def site(course_hub):
    """Course c1 of the course hub with its people and their tokens (tests/assignments/service/conftest.py)."""
    from ..harness import add_people
    from .service.conftest import PEOPLE, Site

    add_people(course_hub, PEOPLE)
    return Site(course_hub, {name: course_hub.user_token(name) for name in PEOPLE})


@pytest.fixture(scope="session")
def service_ps1(site, ps1_source):
    """ps1 (tests/assignments/fixtures) created and released by tutor tess through the API."""
    from .service.conftest import COURSE, b64

    files = {**ps1_source.notebooks, **ps1_source.files}
    r = site.call("tess", "POST", f"api/course/{COURSE}/assignments",
                  json={"name": "ps1", "title": "Problem set 1", "due": None, "release": True, "files": b64(files)})
    assert r.status_code == 201, r.text
    return r.json()
