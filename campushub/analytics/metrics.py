"""The analytics service's Prometheus series, served at {prefix}metrics
(webservice/metrics.py), counted in the store at scrape time so restarts do
not skew them; records retention purged still count (store/totals.py), so
the counters never fall:

  campushub_analytics_executions_recorded_total{status}   cell executions recorded ("ok", "error", "aborted")
  campushub_content_syncs_total{course,status}            course syncs reported by servers ("ok", "failed")
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from ..webservice.metrics import new_registry

log = logging.getLogger("campushub.analytics")
EXECUTIONS = ("campushub_analytics_executions_recorded", "Cell executions recorded, by outcome")
SYNCS = ("campushub_content_syncs", "Course syncs before server starts, by course and outcome")


class StoreCollector(Collector):
    def __init__(self, store):
        self.store = store

    def describe(self):
        yield CounterMetricFamily(*EXECUTIONS, labels=["status"])
        yield CounterMetricFamily(*SYNCS, labels=["course", "status"])

    def collect(self):
        try:
            counts = self.store.counts()
        except Exception:  # noqa: BLE001 -- a database away for a moment must not fail the whole scrape
            log.exception("metrics: could not count records")
            return
        executions = CounterMetricFamily(*EXECUTIONS, labels=["status"])
        for status, n in counts["executions"].items():
            executions.add_metric([status], n)
        yield executions
        syncs = CounterMetricFamily(*SYNCS, labels=["course", "status"])
        for (course, status), n in sorted(counts["syncs"].items()):
            syncs.add_metric([course, status], n)
        yield syncs


def registry(store) -> CollectorRegistry:
    found = new_registry()
    found.register(StoreCollector(store))
    return found
