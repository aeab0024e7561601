"""Learning analytics end to end, with every part real (tests/analytics/e2e_site.py):
`campushub up` runs the hub, the proxy and the analytics service; the
learners' servers start with their courses synced in and the
campushub_analytics server extension loaded; cells run over the kernel
websocket with metadata.cellId as JupyterLab sends it; the pages and CSVs
are read through the proxy with each person's own hub token.

- counting: exact executions, learners, funnel and error rate per cell, per
  course notebook and per learner, on the pages and in the CSVs; and no cell
  source, output or error text in the service's database;
- outage: the service really down (its process gone, its port refusing,
  `up` held so it cannot start it again) while cells run; the records wait
  in the learner's spool on disk and arrive exactly once when it is back;
- access: learners see only themselves, tutors only their courses;
- metrics: the service's /metrics parses and counts the executions.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import pwd
import signal
import socket
from pathlib import Path

import pytest

from campushub.deploy.local import pids
from campushub.deploy.local.layout import Layout
from campushub.deploy.local.spawner.unix_users import unix_name

from ..harness import wait_for
from . import expected
from .e2e_site import AN1, PREFIX, notebook_path, notebook_url, page_rows

pytestmark = pytest.mark.stack  # the site comes from tests/conftest.py's analytics_site
NOTEBOOKS = {notebook_path("an1", name): name for name in AN1}
DEADLINE = 60  # records are sent every second (analytics.flush_interval: 1)


def csv_rows(site, who: str, path: str, table: str) -> list[list[str]]:
    r = site.get(who, path, params={"csv": table})
    assert r.status_code == 200, (path, table, r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(r.text)))


def wait_matches(site, who, path, table, wanted, width=None):
    """Until the CSV shows `wanted` (a notebook page is a 404 until its first record arrives)."""
    last = {}

    def check():
        r = site.get(who, path, params={"csv": table})
        last["reply"] = f"{r.status_code} {r.text[:2000]}"
        if r.status_code == 404 and "have been recorded" in r.text:
            return False
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv"), last["reply"]
        rows = list(csv.reader(io.StringIO(r.text)))
        return rows[0] if sorted(row[:width] for row in rows[1:]) == sorted(wanted) else False
    try:
        return wait_for(check, DEADLINE, f"{path}?csv={table} to show {wanted}")
    except AssertionError as e:
        raise AssertionError(f"{e}\nlast answer: {last.get('reply')}") from None


def on_page(site, who: str, path: str, wanted: list[list[str]], width: int | None = None) -> None:
    """The page's own tables show the same rows as the CSV."""
    r = site.get(who, path)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    shown = [row[:width] for row in page_rows(r.text)]
    for row in wanted:
        assert row in shown, f"{path}: row {row} not among the page's rows {shown}"


def check_counts(site) -> None:
    """Every count the tutor of an1 sees matches the runs made so far, in the CSVs and on the pages."""
    for notebook, name in NOTEBOOKS.items():
        rows = expected.notebook_cells(site.runs, "an1", name, notebook)
        header = wait_matches(site, "tom", notebook_url("an1", notebook), "cells", rows)
        assert header == ["position", "cell", "executions", "learners", "reached", "errors", "error_rate"]
        on_page(site, "tom", notebook_url("an1", notebook), rows)
    course_rows = expected.course_notebooks(site.runs, "an1", NOTEBOOKS)
    wait_matches(site, "tom", "courses/an1", "notebooks", course_rows, width=5)
    on_page(site, "tom", "courses/an1", course_rows, width=5)
    progress = expected.course_progress(site.runs, "an1", ["ana", "ben"], NOTEBOOKS)
    wait_matches(site, "tom", "courses/an1", "progress", progress, width=4)
    on_page(site, "tom", "courses/an1", progress, width=4)


def test_counting_matches_what_the_learners_ran(analytics_site):
    site = analytics_site
    # ana: every cell of lesson 1, cell c1 twice; lesson 2 with one error (c1 edited to divide by zero,
    # then run again as written); and the other course's notebook
    for index in (0, 1, 1, 2, 3):
        site.run("ana", "an1", "01-basics", index)
    site.run("ana", "an1", "02-errors", 0)
    failed = site.run("ana", "an1", "02-errors", 1, code="b = 2 / (a - 1)")
    assert failed.status == "error"
    site.run("ana", "an1", "02-errors", 1)
    site.run("ana", "an2", "01-other", 0)
    # ben: c0 twice, then skips c1 for c2 (the funnel counts him as having reached c1); lesson 2's first cell
    for index in (0, 0, 2):
        site.run("ben", "an1", "01-basics", index)
    site.run("ben", "an1", "02-errors", 0)
    assert sum(r.status == "error" for r in site.runs) == 1

    check_counts(site)
    # privacy by default: no cell source, output or error text reached the service's database
    stored = b"".join(f.read_bytes() for f in (site.hub.data_dir / "analytics").glob("analytics.sqlite*"))
    assert b"lessons/01-basics.ipynb" in stored  # (the right files: the records are in them)
    # nor its log
    log = (site.hub.data_dir / "logs" / "analytics.log").read_bytes()
    for secret in (b"2 / (a - 1)", b"6 * 7", b"ZeroDivisionError", b"division by zero", b"Traceback"):
        assert secret not in stored, secret
        assert secret not in log, secret
    # the funnel is not the same as who ran a cell: spelled out once, beside the derived rows
    basics = expected.notebook_cells(site.runs, "an1", "01-basics", "lessons/01-basics.ipynb")
    assert basics[1] == ["2", "c1", "2", "1", "2", "0", "0.0%"]
    errors = expected.notebook_cells(site.runs, "an1", "02-errors", "lessons/02-errors.ipynb")
    assert errors[1] == ["2", "c1", "2", "1", "1", "1", "50.0%"]


def spooled_executions(user: str) -> int:
    """Execution records waiting in the learner's spool on disk (sent batches are deleted)."""
    home = Path(pwd.getpwnam(unix_name(user, PREFIX)).pw_dir)
    found = 0
    for path in (home / ".local/share/campushub/analytics").glob("*.jsonl"):
        for line in path.read_text().splitlines():
            with contextlib.suppress(ValueError):
                found += json.loads(line).get("kind") == "execution"
    return found


def refused(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@contextlib.contextmanager
def service_down(site):
    """The analytics service really down for the with-block: `up` (which restarts a dead service within a
    second) held with SIGSTOP, the service's process ended, its port refusing; then `up` let go, and it
    starts the service again, as after a crash. SIGSTOPping the service instead would leave its port
    accepting connections, which tests a hung service, not a down one."""
    layout = Layout(site.hub.data_dir)
    port = json.loads(layout.config_copy.read_text())["analytics"]["port"]
    pid = pids.read(layout.pid_file("analytics"))
    assert pid, "the analytics service is not running"
    up = site.hub.proc.pid
    os.kill(up, signal.SIGSTOP)
    try:
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: pids.start_time(pid) is None, 30, "the analytics service to exit")
        wait_for(lambda: refused(port), 30, "the analytics service's port to refuse connections")
        yield port
        assert pids.start_time(pid) is None and refused(port), "the service came back while held down"
    finally:
        os.kill(up, signal.SIGCONT)
    wait_for(lambda: pids.read(layout.pid_file("analytics")), 30, "`up` to start the analytics service again")
    # until it listens, the proxy answers for it with the hub's 503 page
    wait_for(lambda: site.get("tom", "courses/an1").status_code == 200, 60, "the analytics service to answer")


def test_records_made_while_the_service_is_down_arrive_exactly_once(analytics_site):
    site = analytics_site
    check_counts(site)  # what the counting test ran has all arrived: nothing of it waits in a spool
    before = spooled_executions("ben")
    with service_down(site):
        site.run("ben", "an1", "02-errors", 1)
        site.run("ben", "an1", "02-errors", 2)
        site.run("ben", "an1", "01-basics", 3)
        site.run("ana", "an1", "01-basics", 3)
        # held on disk by the learner's own server, not lost, while nobody can take them
        wait_for(lambda: spooled_executions("ben") >= before + 3, DEADLINE, "ben's 3 executions in his spool")
    check_counts(site)
    wait_for(lambda: spooled_executions("ben") == 0 and spooled_executions("ana") == 0, DEADLINE,
             "the spools to be sent and emptied")
    check_counts(site)  # once sent and removed, still counted once: no batch went twice


def rows_of(site, who: str, learner: str) -> list[list[str]]:
    return [row[:5] for row in csv_rows(site, who, f"learners/{learner}", "notebooks")[1:]]


def test_each_person_sees_only_what_is_theirs(analytics_site):
    site = analytics_site
    check_counts(site)
    refusals = {
        "ana": ["learners/ben", "learners/ben?csv=notebooks", "courses/an1", "courses/an1?csv=progress",
                notebook_url("an1", "lessons/01-basics.ipynb"), notebook_url("an1", "lessons/01-basics.ipynb")
                + "?csv=cells", "courses/an2", "platform", "platform?csv=daily"],
        "otto": ["courses/an1", "courses/an1?csv=notebooks", notebook_url("an1", "lessons/01-basics.ipynb"),
                 "learners/ben", "learners/ben?csv=notebooks", "platform"],
        "tom": ["courses/an2", "courses/an2?csv=progress", notebook_url("an2", "lessons/01-other.ipynb"),
                "learners/otto", "platform"],
    }
    for who, paths in refusals.items():
        for path in paths:
            r = site.get(who, path)
            assert r.status_code == 403, (who, path, r.status_code, r.text[:300])
            assert "Traceback" not in r.text and "c0" not in r.text, (who, path)
    # a learner: all of their own, both courses
    assert sorted(rows_of(site, "ana", "ana")) == expected.learner_notebooks(site.runs, "ana", None)
    # the tutor of an1 sees ana's an1 notebooks only; otto (an2) her an2 notebook only
    assert sorted(rows_of(site, "tom", "ana")) == expected.learner_notebooks(site.runs, "ana", {"an1"})
    assert sorted(rows_of(site, "otto", "ana")) == expected.learner_notebooks(site.runs, "ana", {"an2"})
    assert all(row[1] == "an2" for row in rows_of(site, "otto", "ana"))
    assert "lessons/01-other.ipynb" not in site.get("tom", "learners/ana").text
    # the admin: every course's records (only courses: issue 13's "admins see this only for their own
    # courses"; an admin tutors every course), the platform page too
    assert sorted(rows_of(site, "admin", "ana")) == expected.learner_notebooks(site.runs, "ana", {"an1", "an2"})
    r = site.get("admin", "platform")
    assert r.status_code == 200 and "<svg" in r.text, r.text[:300]
    daily = csv_rows(site, "admin", "platform", "daily")
    assert daily[0] == ["day", "users"]


def test_metrics_parse_and_count_the_executions(analytics_site):
    from prometheus_client.parser import text_string_to_metric_families

    site = analytics_site
    check_counts(site)
    r = site.hub.api("POST", "users/admin/tokens", json={"scopes": ["read:metrics"], "expires_in": 600})
    assert r.status_code == 201, r.text
    scraper = r.json()["token"]
    denied = site.get("ana", "metrics")
    assert denied.status_code == 403 and "read:metrics" in denied.text, denied.text[:300]

    def scrape():
        import requests

        reply = requests.get(site.prefix + "metrics", headers={"Authorization": f"Bearer {scraper}"}, timeout=30)
        assert reply.status_code == 200, reply.text[:300]
        families = {f.name: f for f in text_string_to_metric_families(reply.text)}
        return families

    def executions() -> dict:
        found = {s.labels["status"]: s.value for s in
                 scrape()["campushub_analytics_executions_recorded"].samples if s.name.endswith("_total")}
        return {status: found.get(status, 0) for status in ("ok", "error")}

    # Other tests on this shared site (tests/analytics/security) record executions of their own, outside
    # site.runs: the counter is checked by what these runs add to it, exactly.
    before = executions()
    site.run("ben", "an1", "01-basics", 1)
    site.run("ben", "an1", "02-errors", 1, code="b = 1 / 0")
    wanted = {"ok": before["ok"] + 1, "error": before["error"] + 1}
    wait_for(lambda: executions() == wanted, 60, f"the counter to go from {before} to {wanted}")
    families = scrape()
    syncs = {(s.labels["course"], s.labels["status"]): s.value for s in
             families["campushub_content_syncs"].samples if s.name.endswith("_total")}
    # each learner's server reported its courses' sync once: ana an1 and an2, ben an1
    assert syncs == {("an1", "ok"): 2, ("an2", "ok"): 1}, syncs
