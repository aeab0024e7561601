"""Hostile request bodies get one line and change nothing: no 500, no
traceback. JSON nested deeper than Python's recursion limit makes json.loads
raise RecursionError, not ValueError. The real web app and Store."""

from __future__ import annotations

import pytest

from campushub.assignments.store import Store

from ..web.pages_service import TUTOR, PagesService

DEEP = b"[" * 200_000 + b"]" * 200_000


@pytest.fixture
def service(tmp_path, ps1_source, ps1_release):
    store = Store(f"sqlite:///{tmp_path / 'assignments.sqlite'}")
    store.create_assignment("c1", "ps1", title="PS1", due=None, source=ps1_source, release=ps1_release,
                            by=TUTOR, released=True)
    s = PagesService(store)
    with s:
        yield s


@pytest.mark.parametrize("who, path", [("ann", "api/course/c1/a/ps1/submissions"),
                                       (TUTOR, "api/course/c1/assignments")])
def test_deeply_nested_json_is_a_one_line_400(service, who, path):
    session = service.session(who)
    xsrf = service.xsrf(session)
    r = session.post(service.url + path, data=DEEP, timeout=60,
                     headers={"Content-Type": "application/json", "X-XSRFToken": xsrf})
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert set(r.json()) == {"message"} and "\n" not in r.json()["message"]
    assert service.store.versions(service.store.assignment("c1", "ps1")["id"], "ann") == []
