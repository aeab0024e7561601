"""Clickjacking: another site must not show the service's pages in a frame,
where a tutor's or learner's click on a hidden "Release feedback",
"Request resubmission" or "Submit" button would post with their cookie and
a valid form token. As JupyterHub's own pages: frame-ancestors 'none'.
The real web app (tests/assignments/web/pages_service.py)."""

from __future__ import annotations

import pytest

from campushub.assignments.store import Store

from ..web.pages_service import TUTOR, PagesService


@pytest.fixture
def service(tmp_path, ps1_source, ps1_release):
    store = Store(f"sqlite:///{tmp_path / 'assignments.sqlite'}")
    a = store.create_assignment("c1", "ps1", title="PS1", due=None, source=ps1_source, release=ps1_release,
                                by=TUTOR, released=True)
    store.submit(a["id"], "ann", {p: ps1_release.student[p] for p in a["notebooks"]}, late=False)
    s = PagesService(store)
    with s:
        yield s


def _frame_ancestors(response) -> list[str]:
    policies = [p.strip() for h in response.headers.get("Content-Security-Policy", "").split(",")
                for p in h.split(";")]
    return [p for p in policies if p.startswith("frame-ancestors")]


@pytest.mark.parametrize("who, path", [
    (TUTOR, "course/c1/a/ps1/learner/ann/v/1"), (TUTOR, "course/c1/"), (TUTOR, "course/c1/new"),
    (TUTOR, "course/c1/a/ps1/"), ("ann", "course/c1/a/ps1/"), ("ann", ""), ("ann", "course/c1/a/nope/"),
])
def test_pages_refuse_to_be_framed(service, who, path):
    r = service.session(who).get(service.url + path, timeout=60)
    assert r.status_code in (200, 404), r.status_code
    assert _frame_ancestors(r) == ["frame-ancestors 'none'"], r.headers.get("Content-Security-Policy")
