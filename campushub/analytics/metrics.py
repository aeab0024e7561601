"""The analytics service's Prometheus series, served at {prefix}metrics
(webservice/metrics.py), counted in the store at scrape time so restarts and
replicas agree (records purged by retention leave the totals, which
Prometheus reads as a counter reset):

  campushub_analytics_executions_recorded_total{status}   cell executions recorded ("ok", "error", "aborted")
  campushub_content_syncs_total{course,status}            course syncs reported by servers ("ok", "failed")
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily

from ..webservice.metrics import AtScrape, new_registry


def families(counts: dict | None) -> list:
    """From Store.counts() (None: the families alone)."""
    executions = CounterMetricFamily("campushub_analytics_executions_recorded", "Cell executions recorded, by outcome",
                                     labels=["status"])
    syncs = CounterMetricFamily("campushub_content_syncs", "Course syncs before server starts, by course and outcome",
                                labels=["course", "status"])
    if counts is not None:
        for status, n in counts["executions"].items():
            executions.add_metric([status], n)
        for (course, status), n in sorted(counts["syncs"].items()):
            syncs.add_metric([course, status], n)
    return [executions, syncs]


def registry(store) -> CollectorRegistry:
    found = new_registry()
    found.register(AtScrape(store.counts, families))
    return found
