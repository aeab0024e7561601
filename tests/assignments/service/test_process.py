"""The service process on its own (no hub needed for what is tested here):
it starts on SQLite and on PostgreSQL, migrating the database, answers in
one line, refuses an oversized body before reading it, and SIGTERM ends it
with status 0. A broken site configuration is one line and status 2."""

from __future__ import annotations

import signal

import pytest
import requests

from ..conftest import fresh_url
from .own_service import start

pytestmark = pytest.mark.stack  # starts the service process (and PostgreSQL), as tests/tiers.py cannot see


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_starts_answers_and_stops_on_sigterm(tmp_path, request, kind):
    db_url = fresh_url(kind, tmp_path, request) if kind == "postgres" else None
    service = start(tmp_path, db_url=db_url)
    base = service.base
    try:
        service.wait()
        r = requests.get(base + "api/assignments", timeout=5)
        assert r.status_code == 403 and r.json() == {"message": "Sign in to the hub first, then open this page again."}
        r = requests.get(base + "api/assignments", headers={"Accept-Language": "ja"}, timeout=5)
        assert r.json()["message"] == "まずハブにサインインしてから、このページを開き直してください。"
        page = requests.get(base + "no/such/page", timeout=5)
        assert page.status_code == 404 and "There is no such page." in page.text
        assert "static/css/style.min.css" in page.text and "Traceback" not in page.text
        page = requests.get(base + "no/such/page", headers={"Accept-Language": "ja,en;q=0.5"}, timeout=5)
        assert '<html lang="ja">' in page.text and "そのページはありません。" in page.text
        big = requests.post(base + "api/course/c1/a/x/submissions", data=b"x" * (2 * 2**20), timeout=30)
        assert big.status_code == 413 and "larger than the limit" in big.json()["message"]
        if kind == "sqlite":
            db = tmp_path / "data" / "assignments" / "assignments.sqlite"
            assert db.exists() and oct(db.parent.stat().st_mode & 0o777) == "0o700"
        else:
            server = request.getfixturevalue("postgres")
            assert server.psql("SELECT version_num FROM alembic_version", db=db_url.rsplit("/", 1)[1]) == "0001"
        service.proc.send_signal(signal.SIGTERM)
        assert service.proc.wait(60) == 0
        assert "campushub.assignments: stopped" in service.output() and "Traceback" not in service.output()
    finally:
        service.stop()


def test_a_broken_site_configuration_is_one_line(tmp_path):
    service = start(tmp_path, config={"courses": {"Bad Name": {}}})
    try:
        assert service.proc.wait(60) == 2
        lines = service.output().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("campushub assignments:") and "courses" in lines[0]
    finally:
        service.stop()
