"""Attack: values JSON allows but Python's floats and datetimes do not hold,
posted with a learner's own server token. Each must be a one-line 400 that
stores nothing, never a 500 (which the extension reads as "service down" and
retries for ever). And a record dated in the far future would outlive
analytics.retention_days (purge removes what is older than the cut-off), so
a learner could keep records for ever: times later than a day ahead are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ..web.service import execution, notebook_order

HOSTILE = [
    ({"duration_ms": 10**400}, "duration_ms"),  # an int too large for a float
    ({"time": "0001-01-01T00:00:00+01:00"}, "time"),  # before datetime.min once in UTC
    ({"time": "9999-12-31T23:59:59-01:00"}, "time"),  # after datetime.max once in UTC
    ({"time": "9999-12-31T00:00:00Z"}, "time"),  # never older than the retention cut-off
]


@pytest.mark.parametrize(("change", "field"), HOSTILE)
def test_out_of_range_values_are_one_line_400s(analytics, change, field):
    r = analytics.post_records("ann", [execution(), {**execution(), **change}])
    assert r.status_code == 400, r.text
    assert f"records[1].{field}" in r.json()["message"] and "Traceback" not in r.text
    assert analytics.store.learner_activity("ann", None)["notebooks"] == []


def test_a_record_from_a_moment_ago_or_just_ahead_is_taken(analytics):
    now = datetime.now(UTC)
    times = [now - timedelta(days=30), now + timedelta(minutes=5)]
    batch = [execution(time=t.isoformat().replace("+00:00", "Z")) for t in times]
    r = analytics.post_records("ann", batch)
    assert r.status_code == 200 and r.json()["accepted"] == 2, r.text


# JSON carries both; neither can be stored (PostgreSQL refuses NUL in text, no database encodes a lone surrogate)
UNSTORABLE = [({"path": "lesson\ud800.ipynb"}, "path"), ({"cell": "a\x00b"}, "cell"),
              ({"notebook": "x\udcff.ipynb"}, "notebook"), ({"cells": ["a", "b\x00"]}, "cells")]


@pytest.mark.parametrize(("change", "field"), UNSTORABLE)
def test_text_no_database_stores_is_a_one_line_400(analytics, change, field):
    bad = {**(notebook_order(["a"]) if "cells" in change else execution()), **change}
    r = analytics.post_records("ann", [execution(), bad])
    assert r.status_code == 400, r.text
    assert f"records[1].{field}" in r.json()["message"] and "UTF-8" in r.json()["message"]
    assert analytics.store.learner_activity("ann", None)["notebooks"] == []
