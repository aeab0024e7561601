"""What waits (a database count, the hub's group lookup, a store read) waits
in a worker thread, never on the service's one event loop: while such a call
is held, another person's page is still answered. Each test holds one call
with an Event and fails without the fix (the other request times out)."""

from __future__ import annotations

import pytest
import requests

from ...webservice.held import answered_meanwhile as held_meanwhile
from ...webservice.held import held
from .service import AnalyticsService, execution


def answered_meanwhile(service, events, slow_request):
    """ann's own page is answered while ``slow_request`` is held."""
    return held_meanwhile(events, slow_request,
                          lambda: service.session("ann").get(service.url + "learners/ann", timeout=10))


@pytest.fixture
def store(tmp_path):
    from campushub.analytics.store import Store

    found = Store(f"sqlite:///{tmp_path / 'analytics.sqlite'}")
    yield found
    found.close()


def test_a_slow_metrics_count_holds_up_no_page(store):
    # the registry takes store.counts when the app is made: held from before
    with held(store, "counts") as events, AnalyticsService(store) as service:
        r = answered_meanwhile(service, events, lambda: requests.get(
            service.url + "metrics", headers={"Authorization": "token monitoring"}, timeout=60))
    assert r.status_code == 200 and "campushub_analytics_executions_recorded_total" in r.text


def test_a_slow_group_lookup_holds_up_no_page(analytics):
    # a tutor's course page asks the hub for the course's learners group
    with held(analytics.people, "_get", only=lambda kind, name: kind == "groups") as events:
        r = answered_meanwhile(analytics, events, lambda: analytics.session("tina").get(
            analytics.url + "courses/c1", timeout=60))
    assert r.status_code == 200


def test_a_slow_notebook_lookup_holds_up_no_page(analytics):
    # a batch naming a course notebook reads which notebooks the sender has already
    with held(analytics.store, "notebooks_of") as events:
        r = answered_meanwhile(analytics, events, lambda: analytics.post_records("bob", [execution()]))
    assert r.status_code == 200 and r.json()["accepted"] == 1
