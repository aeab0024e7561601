"""Every table's CSV holds exactly the cells the page shows (same rows, same
text, column keys as the header) and is safe in a spreadsheet; hostile paths
and parameters get a one-line answer, never a 500. In-process (service.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from .service import execution, header_keys, notebook_order, page_table
from .test_pages import NB, get

PAGES = [("root", "courses/c1", ("notebooks", "progress")), ("root", NB, ("cells",)),
         ("ann", "learners/ann", ("notebooks",)), ("root", "platform", ("daily", "hourly", "servers", "spawns"))]


@pytest.fixture
def world(analytics):
    # a cell id and a path a spreadsheet would take for formulas
    evil = "=HYPERLINK(\"http://x\")"
    assert analytics.post_records("ann", [notebook_order(["a", evil]), execution(cell="a"),
                                          execution(cell=evil, status="error"),
                                          execution(course=None, notebook=None, path="-2+3.ipynb")]).status_code == 200
    assert analytics.post_records("bob", [execution(cell="a")]).status_code == 200
    now = datetime.now(UTC)
    analytics.store.record_poll(now - timedelta(hours=2), ["ann"], 1, 0, {"1.0": 1.0, "+Inf": 1.0})
    analytics.store.record_poll(now, ["ann", "bob"], 2, 1, {"1.0": 1.0, "5.0": 3.0, "+Inf": 3.0})
    return analytics


@pytest.mark.parametrize(("user", "page", "names"), PAGES)
def test_csv_matches_the_pages_tables(world, user, page, names):
    html = get(world, user, page).text
    for name in names:
        r = get(world, user, page, params={"csv": name})
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        assert r.headers["Content-Disposition"].startswith("attachment; filename=")
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"))))
        shown = page_table(html, name)
        assert rows[0] == header_keys(html, name)
        # the page's cells, defused where they would start a formula
        defused = [["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in row] for row in shown[1:]]
        assert rows[1:] == defused, name
        assert all(not c.startswith(("=", "+", "-", "@")) for row in rows for c in row)


def test_the_csv_has_the_counted_rows(world):
    rows = list(csv.DictReader(io.StringIO(get(world, "root", NB, params={"csv": "cells"}).text)))
    by_cell = {r["cell"]: r for r in rows}
    assert by_cell["a"]["executions"] == "2" and by_cell["a"]["learners"] == "2"
    assert by_cell["'=HYPERLINK(\"http://x\")"]["errors"] == "1"
    assert get(world, "root", "platform", params={"csv": "servers"}).text.count("\r\n") == 3  # header + 2 polls


def test_the_platforms_folded_tables_download_whole(world):
    # folded on the page, complete in the CSV: every day of the period and each of the last 48 hours
    for days in ("30", "7"):
        reply = get(world, "root", "platform", params={"days": days, "csv": "daily"})
        daily = list(csv.reader(io.StringIO(reply.text)))
        assert daily[0] == ["day", "users"] and len(daily) == int(days) + 1
        assert daily[-1] == [datetime.now(UTC).date().isoformat(), "2"]
    hourly = list(csv.reader(io.StringIO(get(world, "root", "platform", params={"csv": "hourly"}).text)))
    assert len(hourly) == 48 + 1


HOSTILE = ["courses/..%2F..%2Fetc", "courses/c1/notebooks/..%2F..%2Fetc%2Fpasswd", "courses/c1/notebooks/%00",
           "learners/%00", "learners/" + "x" * 5000, "learners/%E2%80%AE%3Cscript%3E", "courses/%3Cb%3E",
           "courses/c1/notebooks/a%0d%0aSet-Cookie:x=1", "platform?days=-1", "platform?days=0",
           "platform?days=99999999999999999999999", "platform?days=%D9%A3", "platform?days=abc",
           "courses/c1?csv=%0d%0a", "courses/c1?csv=nope", "courses/c1?csv=notebooks&excel=1",
           "learners/ann?csv=notebooks&csv=x", "api/records", "metrics", "oauth_callback?code=x&state=y",
           "%2e%2e/%2e%2e/hub/api", "//evil.example/"]


@pytest.mark.parametrize("page", HOSTILE)
def test_hostile_paths_and_parameters_never_cause_a_500(world, page):
    for user in ("ann", "tina", "root", None):
        r = world.session(user).get(world.url + page, timeout=30, allow_redirects=False)
        assert r.status_code < 500, (user, page, r.status_code, r.text[:300])
        assert "Traceback" not in r.text and "Set-Cookie" not in r.headers.get("Content-Disposition", "")
        assert "<script>" not in r.text


def test_a_bad_days_parameter_is_one_line(world):
    r = get(world, "root", "platform", params={"days": "0"})
    assert r.status_code == 400 and "from 1 to 366" in r.text
