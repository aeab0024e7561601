"""The service process on its own (no hub needed for what is tested here):
it starts on SQLite and on PostgreSQL, migrating the database, answers in
one line, refuses an oversized body before reading it, and SIGTERM ends it
with status 0. A broken site configuration is one line and status 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests

from ...harness import free_port, wait_for
from ..conftest import fresh_url


def _start(tmp_path, db_url: str | None, config: dict | None = None) -> tuple[subprocess.Popen, str, object]:
    port = free_port()
    config_file = tmp_path / "effective-config.json"
    config_file.write_text(json.dumps(config if config is not None else {
        "data_dir": str(tmp_path / "data"),
        "courses": {"c1": {"learners_group": "c1-learners", "tutors_group": "c1-tutors"}},
        "assignments": {"max_notebook_size": "64K"}}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "CAMPUSHUB_"))}
    env.update({"CAMPUSHUB_CONFIG": str(config_file), "JUPYTERHUB_SERVICE_NAME": "assignments",
                "JUPYTERHUB_API_TOKEN": "unused", "JUPYTERHUB_API_URL": f"http://127.0.0.1:{free_port()}/hub/api",
                "JUPYTERHUB_SERVICE_PREFIX": "/services/assignments/", "JUPYTERHUB_CLIENT_ID": "service-assignments",
                "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}",
                "JUPYTERHUB_OAUTH_CALLBACK_URL": "/services/assignments/oauth_callback"})
    if db_url:
        env["CAMPUSHUB_ASSIGNMENTS_DB_URL"] = db_url
    log = open(tmp_path / "service.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "campushub.assignments.service"], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}/services/assignments/", log


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_starts_answers_and_stops_on_sigterm(tmp_path, request, kind):
    db_url = fresh_url(kind, tmp_path, request) if kind == "postgres" else None
    proc, base, log = _start(tmp_path, db_url)
    try:
        # a list, since a 403 Response is falsy
        r = wait_for(lambda: [requests.get(base + "api/assignments", timeout=5)], 60, "the service to answer")[0]
        assert r.status_code == 403 and r.json() == {"message": "Sign in to the hub first, then open this page again."}
        r = requests.get(base + "api/assignments", headers={"Accept-Language": "ja"}, timeout=5)
        assert r.json()["message"] == "まずハブにサインインしてから、このページを開き直してください。"
        page = requests.get(base + "no/such/page", timeout=5)
        assert page.status_code == 404 and "There is no such page." in page.text
        assert "static/css/style.min.css" in page.text and "Traceback" not in page.text
        big = requests.post(base + "api/course/c1/a/x/submissions", data=b"x" * (2 * 2**20), timeout=30)
        assert big.status_code == 413 and "larger than the limit" in big.json()["message"]
        if kind == "sqlite":
            db = tmp_path / "data" / "assignments" / "assignments.sqlite"
            assert db.exists() and oct(db.parent.stat().st_mode & 0o777) == "0o700"
        else:
            server = request.getfixturevalue("postgres")
            name = db_url.rsplit("/", 1)[1]
            assert server.psql("SELECT version_num FROM alembic_version", db=name) == "0001"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        log.seek(0)
        output = log.read()
        assert "campushub.assignments: stopped" in output and "Traceback" not in output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def test_a_broken_site_configuration_is_one_line(tmp_path):
    proc, _base, log = _start(tmp_path, None, config={"courses": {"Bad Name": {}}})
    try:
        assert proc.wait(60) == 2
        log.seek(0)
        lines = log.read().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("campushub assignments:") and "courses" in lines[0]
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
