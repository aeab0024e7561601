"""Checking a submission (nbformat's schema validation of every notebook)
takes seconds for a notebook near the size limit. Done on the service's
event loop, a learner sending such uploads over and over holds every other
page of the service: the check must not keep others waiting. Ordering, not
timing: another learner's page answers while the big upload is still being
checked. Real web app and Store (tests/assignments/web/pages_service.py)."""

from __future__ import annotations

import base64
import json
import threading

import nbformat
import pytest

from campushub.assignments.store import Store

from ..web.pages_service import TUTOR, PagesService

pytestmark = pytest.mark.stack  # notebooks near the size limit: a minute, not the fast tier


def _big_notebook() -> bytes:
    """34,000 code cells, just under 5 MiB, as nbformat.writes lays them out (indent 1, sorted keys, source
    as lines, a cell id each); written with json, since nbformat's writes validates and copies every cell
    (15 s of CPU): validating is the service's part here."""
    cells = [{"cell_type": "code", "execution_count": None, "id": f"{i:08x}", "metadata": {}, "outputs": [],
              "source": ["a"]} for i in range(34_000)]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": nbformat.v4.nbformat_minor}
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False).encode()


@pytest.fixture
def service(tmp_path, ps1_source, ps1_release):
    store = Store(f"sqlite:///{tmp_path / 'assignments.sqlite'}")
    store.create_assignment("c1", "ps1", title="PS1", due=None, source=ps1_source, release=ps1_release,
                            by=TUTOR, released=True)
    s = PagesService(store, assignments={"max_notebook_size": "6M"})
    with s:
        yield s


def test_a_big_upload_does_not_hold_other_pages(service, monkeypatch):
    from campushub.assignments.web import api, submission_check

    checking = threading.Event()

    def instrumented(*args, **kwargs):  # the real check, telling the test when it has begun
        checking.set()
        return submission_check.match_uploads(*args, **kwargs)

    monkeypatch.setattr(api, "match_uploads", instrumented)
    big = base64.b64encode(_big_notebook()).decode()
    done: list[str] = []
    ann = service.session("ann")
    assert ann.get(service.url, timeout=30).status_code == 200  # sets the _xsrf cookie

    def upload():
        r = ann.post(service.url + "api/course/c1/a/ps1/submissions", timeout=180,
                     json={"files": {"problem1.ipynb": big, "problem2.ipynb": big}},
                     headers={"X-XSRFToken": ann.cookies["_xsrf"]})
        done.append(f"upload {r.status_code}")

    thread = threading.Thread(target=upload)
    thread.start()
    assert checking.wait(120) or thread.join(1) or False, f"the upload never reached the check: {done}"
    r = service.session("bob").get(service.url, timeout=180)
    done.append(f"page {r.status_code}")
    thread.join(180)
    assert done == ["page 200", "upload 201"], done  # bob's page answered while the upload was checked
