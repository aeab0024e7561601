"""The analytics service's series (analytics/metrics.py) from its real Store
on SQLite: recorded executions by status and course syncs by course and
status, as Prometheus' parser reads the registry's text."""

from __future__ import annotations

import uuid

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from campushub.analytics.metrics import registry
from campushub.analytics.records import validate
from campushub.analytics.store import Store


def _execution(status: str) -> dict:
    return {"id": uuid.uuid4().hex, "kind": "execution", "time": "2026-12-01T03:30:00.123Z",
            "path": "ml101/lesson1.ipynb", "course": "ml101", "notebook": "lesson1.ipynb", "cell": "c1",
            "status": status, "duration_ms": 12}


def test_executions_and_syncs_are_counted(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'analytics.sqlite'}")
    try:
        found = registry(store)
        records = [_execution("ok"), _execution("ok"), _execution("error"),
                   {"id": uuid.uuid4().hex, "kind": "sync", "time": "2026-12-01T03:29:00Z", "course": "ml101",
                    "status": "failed"}]
        assert store.ingest("ann", validate(records)) == (4, 0)
        assert store.ingest("ann", validate(records[:1])) == (0, 1)  # a resent record counts once
        text = generate_latest(found).decode()
        values = {(s.name, tuple(sorted(s.labels.items()))): s.value
                  for family in text_string_to_metric_families(text) for s in family.samples}
    finally:
        store.close()
    executions = "campushub_analytics_executions_recorded_total"
    assert values[(executions, (("status", "ok"),))] == 2
    assert values[(executions, (("status", "error"),))] == 1
    assert values[(executions, (("status", "aborted"),))] == 0
    assert values[("campushub_content_syncs_total", (("course", "ml101"), ("status", "failed")))] == 1
    assert "process_cpu_seconds_total" in text  # the service's own process series
