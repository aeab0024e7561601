"""A second service process beside the session hub's, with its own database
and settings, authenticating people through the same real hub (its service
token): PostgreSQL survives SIGKILL in a burst of submissions as SQLite does
(test_durability.py), and `assignments.late: refuse` refuses late work."""

from __future__ import annotations

from campushub.deploy.local.layout import Layout

from ...harness import wait_for
from ..conftest import fresh_url
from .burst import Burst, check_intact
from .conftest import COURSE, b64
from .own_service import start


def _hub(site) -> dict:
    port = site.config()["hub"]["hub_port"]
    return {"api_url": f"http://127.0.0.1:{port}/hub/api",
            "token": Layout(site.hub.data_dir).assignments_token.read_text().strip()}


def _create(service, site, ps1_source, name: str, due=None) -> None:
    files = b64({**ps1_source.notebooks, **ps1_source.files})
    r = service.call(site.tokens["tess"], "POST", f"api/course/{COURSE}/assignments",
                     json={"name": name, "due": due, "release": True, "files": files})
    assert r.status_code == 201, r.text


def test_postgres_keeps_every_acknowledged_submission_through_sigkill(site, tmp_path, request, ps1_source,
                                                                       ps1_release):
    url = fresh_url("postgres", tmp_path, request)
    service = start(tmp_path, db_url=url, hub=_hub(site), assignments={"max_notebook_size": "256K"})
    try:
        service.wait()
        _create(service, site, ps1_source, "ps1")
        burst = Burst(lambda who, *a, **k: service.call(site.tokens[who], *a, **k), ps1_release,
                      ("ann", "ben")).start()
        try:
            wait_for(lambda: len(burst.acked) >= 12, 120, "a dozen acknowledged submissions")
            service.proc.kill()
            wait_for(lambda: len(burst.failed) >= 1, 60, "a submission to fail while the service is down")
        finally:
            burst.stop()
        check_intact(url, burst.acked)
        service = service.restart()
        service.wait()
        r = service.call(site.tokens["ben"], "GET", f"api/course/{COURSE}/a/ps1/versions")
        listed = {(v["number"], v["sha256"]) for v in r.json()["versions"]}
        assert {(r["number"], r["sha256"]) for who, r, _f in burst.acked if who == "ben"} <= listed
    finally:
        service.stop()


def test_late_work_is_refused_when_the_site_says_so(site, tmp_path, ps1_source, ps1_release):
    service = start(tmp_path, hub=_hub(site), assignments={"late": "refuse", "max_notebook_size": "256K"})
    try:
        service.wait()
        _create(service, site, ps1_source, "old", due="2020-01-01T00:00:00Z")
        notebooks = b64({p: ps1_release.student[p] for p in ("problem1.ipynb", "problem2.ipynb")})
        r = service.call(site.tokens["ann"], "POST", f"api/course/{COURSE}/a/old/submissions",
                         json={"files": notebooks}, headers={"Accept-Language": "ru"})
        assert r.status_code == 400, r.text
        message = r.json()["message"]
        assert "2020-01-01 00:00 UTC" in message and "\n" not in message
        assert "has passed" not in message  # in Russian, as the learner's browser asked
        versions = service.call(site.tokens["ann"], "GET", f"api/course/{COURSE}/a/old/versions").json()
        assert versions["versions"] == []
    finally:
        service.stop()
