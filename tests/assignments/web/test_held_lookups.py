"""The assignments service's tutor pages ask the hub for the course's
learners group (synchronous urllib in People) and read the gradebook from
the store: both wait in a worker thread (webservice/handler.py's off_loop),
not on the service's one event loop. Each test holds one call while a
tutor's page is in it and a learner's own page is answered meanwhile (fails
without the fix: the learner's request times out)."""

from __future__ import annotations

import pytest

from ...webservice.held import answered_meanwhile, held
from .tutor_data import TUTOR, answer, tutor_world

PAGES = ["course/c1/", "course/c1/a/ps1/", "course/c1/grades.csv", "course/c1/a/ps1/learner/ann/v/1"]


@pytest.fixture
def world(tmp_path, ps1_source, ps1_release):
    with tutor_world(tmp_path, ps1_source, ps1_release) as (service, store, a, source, release):
        store.submit(a["id"], "ann", answer(release), late=False)
        yield service, store


def tutor_page_while_held(service, events, page):
    return answered_meanwhile(
        events, lambda: service.session(TUTOR).get(service.url + page, timeout=60),
        lambda: service.session("bob").get(service.url + "course/c1/a/ps1/", timeout=10))


@pytest.mark.parametrize("page", PAGES)
def test_a_slow_group_lookup_holds_up_no_page(world, page):
    service, _ = world
    with held(service.people, "_get", only=lambda kind, name: kind == "groups") as events:
        r = tutor_page_while_held(service, events, page)
    assert r.status_code == 200


@pytest.mark.parametrize(("page", "query"), [("course/c1/", "gradebook"), ("course/c1/a/ps1/", "gradebook"),
                                             ("course/c1/a/ps1/learner/ann/v/1", "gradebook"),
                                             ("course/c1/grades.csv", "export_rows")])
def test_a_slow_gradebook_query_holds_up_no_page(world, page, query):
    service, store = world
    with held(store, query) as events:
        r = tutor_page_while_held(service, events, page)
    assert r.status_code == 200
