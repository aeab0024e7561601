"""POST api/records over HTTP (service.py): a server's token writes its own
user's records; a malformed batch is refused whole with a one-line 400 and
stores nothing; a batch sent again stores nothing twice; a browser's
cookie cannot post (XSRF first, then server tokens only); oversized bodies
are refused before they are read."""

from __future__ import annotations

import pytest

from .service import execution, notebook_order


def stored(service) -> dict:
    return service.store.counts()["executions"]


def test_a_batch_is_stored_once_under_the_tokens_user(analytics):
    batch = [execution(cell="a"), execution(cell="b", status="error"), notebook_order(["a", "b"])]
    r = analytics.post_records("ann", batch)
    assert r.status_code == 200 and r.json() == {"accepted": 3, "duplicates": 0}
    r = analytics.post_records("ann", batch)  # resent after a crash before the spool file was deleted
    assert r.status_code == 200 and r.json() == {"accepted": 0, "duplicates": 3}
    assert stored(analytics)["ok"] == 1 and stored(analytics)["error"] == 1
    activity = analytics.store.learner_activity("ann", None)
    assert [n["executions"] for n in activity["notebooks"]] == [2]
    assert analytics.store.learner_activity("bob", None)["notebooks"] == []


BAD = [
    ({"records": "x"}, "records"),
    ({"records": []}, "records"),
    ({"records": [execution(), {**execution(), "id": "not-hex"}]}, "records[1].id"),
    ({"records": [execution(), {**execution(), "status": "maybe"}]}, "records[1].status"),
    ({"records": [{**execution(), "duration_ms": -1}]}, "records[0].duration_ms"),
    ({"records": [{**execution(), "time": "yesterday"}]}, "records[0].time"),
    ({"records": [execution()] * 1001}, "records"),
]


@pytest.mark.parametrize(("body", "named"), BAD)
def test_a_malformed_batch_is_refused_whole_in_one_line(analytics, body, named):
    r = analytics.session(None).post(analytics.url + "api/records", json=body,
                                     headers={"Authorization": "token token-of-ann"}, timeout=30)
    assert r.status_code == 400, r.text
    message = r.json()["message"]
    assert named in message and "\n" not in message and "Traceback" not in r.text
    assert analytics.store.learner_activity("ann", None)["notebooks"] == []  # not even the good first record


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"\xff\xfe", b"{" * 100000])
def test_a_body_that_is_not_a_json_object_is_400(analytics, raw):
    r = analytics.session(None).post(analytics.url + "api/records", data=raw,
                                     headers={"Authorization": "token token-of-ann",
                                              "Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 400 and "records" in r.json()["message"]


def test_a_body_over_one_mebibyte_is_refused_before_it_is_read(analytics):
    big = {"records": [execution(path="x" * 2000)] * 600}
    r = analytics.session(None).post(analytics.url + "api/records", json=big,
                                     headers={"Authorization": "token token-of-ann"}, timeout=30)
    assert r.status_code == 413 and "1 MiB" in r.json()["message"]
    assert analytics.store.learner_activity("ann", None)["notebooks"] == []


def test_a_browser_cookie_cannot_post_records(analytics):
    s = analytics.session("ann")
    assert s.get(analytics.url, timeout=30).status_code == 200  # sets the _xsrf cookie
    # another site's form: the cookie without the XSRF token
    r = s.post(analytics.url + "api/records", json={"records": [execution()]}, timeout=30)
    assert r.status_code == 403 and "expired or did not come from this site" in r.json()["message"]
    # even with the XSRF token, records come from servers' tokens only
    r = s.post(analytics.url + "api/records", json={"records": [execution()]},
               headers={"X-XSRFToken": s.cookies["_xsrf"]}, timeout=30)
    assert r.status_code == 403 and "server's token" in r.json()["message"]
    assert analytics.store.learner_activity("ann", None)["notebooks"] == []


def test_no_token_or_an_unknown_token_is_refused(analytics):
    for headers in ({}, {"Authorization": "token stolen"}):
        r = analytics.session(None).post(analytics.url + "api/records", json={"records": [execution()]},
                                         headers=headers, timeout=30)
        assert r.status_code == 403 and r.json()["message"]
    assert stored(analytics).get("ok", 0) == 0


def test_metrics_need_read_metrics_and_count_what_was_recorded(analytics):
    from prometheus_client.parser import text_string_to_metric_families

    assert analytics.post_records("ann", [execution(), execution(status="error")]).status_code == 200
    for headers in ({}, {"Authorization": "token token-of-root"}):  # a user's token has no read:metrics
        r = analytics.session(None).get(analytics.url + "metrics", headers=headers, timeout=30)
        assert r.status_code == 403 and "read:metrics" in r.text and "\n" not in r.text.strip()
    r = analytics.session(None).get(analytics.url + "metrics", headers={"Authorization": "Bearer monitoring"},
                                    timeout=30)
    assert r.status_code == 200
    values = {(s.name, tuple(s.labels.items())): s.value for f in text_string_to_metric_families(r.text)
              for s in f.samples}
    assert values[("campushub_analytics_executions_recorded_total", (("status", "error"),))] == 1
