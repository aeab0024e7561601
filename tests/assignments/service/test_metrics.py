"""The assignments service's {prefix}metrics through the real hub and proxy:
Prometheus' parser reads it, a submission counts, grading time is observed,
and only a token holding read:metrics may read it (a token with nothing but
read:metrics is enough, though it may not open the service's pages); anyone
else gets one translated line."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from ...harness import wait_for
from .conftest import COURSE, b64


def metrics(site, header: str | None, **headers) -> requests.Response:
    if header:
        headers["Authorization"] = header
    return requests.get(site.prefix + "metrics", headers=headers, timeout=60)


def values(r: requests.Response) -> dict:
    assert r.status_code == 200, r.text[:300]
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def metrics_token(site) -> str:
    r = site.hub.api("POST", "users/admin/tokens", json={"scopes": ["read:metrics"], "expires_in": 3600,
                                                         "note": "prometheus"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def test_a_submission_counts_and_its_grading_is_timed(site, service_ps1, ps1_release):
    token = metrics_token(site)
    assert site.call(None, "GET", "api/assignments", headers={"Authorization": f"token {token}"}).status_code == 403
    before = values(metrics(site, f"Bearer {token}"))
    submissions = ("campushub_submissions_total", (("course", COURSE),))
    graded = ("campushub_grading_duration_seconds_count", ())
    assert ("campushub_grading_jobs", (("state", "queued"),)) in before

    files = {p: ps1_release.student[p] for p in ("problem1.ipynb", "problem2.ipynb")}
    r = site.call("ann", "POST", f"api/course/{COURSE}/a/ps1/submissions", json={"files": b64(files)})
    assert r.status_code == 201, r.text
    after = values(metrics(site, f"token {token}"))
    assert after[submissions] == before.get(submissions, 0) + 1

    wait_for(lambda: values(metrics(site, f"token {token}"))[graded] > before[graded], 300,
             "the service to time the new version's grading")


def test_metrics_are_refused_without_read_metrics(site):
    ann = site.tokens["ann"]  # a learner: may use the service, may not read its metrics
    for header in (None, f"token {ann}", f"Bearer {ann}", "token not-a-token", "Basic YWRtaW46eA=="):
        r = metrics(site, header)
        assert r.status_code == 403, (header, r.status_code)
        assert "read:metrics" in r.text and len(r.text.strip().splitlines()) == 1
        assert "campushub_submissions" not in r.text
    r = metrics(site, f"token {ann}", **{"Accept-Language": "ja"})
    assert r.status_code == 403 and "スコープ" in r.text
