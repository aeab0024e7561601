"""The assignments service's Prometheus series, served at {prefix}metrics
(webservice/metrics.py):

  campushub_submissions_total{course}      versions submitted, from the database
  campushub_grading_jobs{state}            autograding jobs "queued" and "running", from the database
  campushub_grading_duration_seconds       time to autograde one version, observed by the grading queue

The first two are read from the store at scrape time, so every replica and
restart reports the same truth (the job table is the queue, shared by all
processes); the histogram is this process's own.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ..webservice.metrics import new_registry

log = logging.getLogger("campushub.assignments")

# A notebook run takes seconds to minutes (assignments.timeout caps it).
GRADING_DURATION = Histogram(
    "campushub_grading_duration_seconds", "Time to autograde one submitted version",
    buckets=(1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, float("inf")), registry=None,
)


class StoreCollector(Collector):
    def __init__(self, store):
        self.store = store

    def describe(self):
        # the names without asking the database (the registry describes collectors as they register)
        yield CounterMetricFamily("campushub_submissions", "Submitted versions per course", labels=["course"])
        yield GaugeMetricFamily("campushub_grading_jobs", "Autograding jobs waiting or running", labels=["state"])

    def collect(self):
        try:
            counts = self.store.metric_counts()
        except Exception:  # noqa: BLE001 -- a database away for a moment must not fail the whole scrape
            log.exception("metrics: could not count submissions and jobs")
            return
        submissions = CounterMetricFamily("campushub_submissions", "Submitted versions per course",
                                          labels=["course"])
        for course, n in sorted(counts["submissions"].items()):
            submissions.add_metric([course], n)
        yield submissions
        jobs = GaugeMetricFamily("campushub_grading_jobs", "Autograding jobs waiting or running", labels=["state"])
        for state, n in counts["jobs"].items():
            jobs.add_metric([state], n)
        yield jobs


def registry(store) -> CollectorRegistry:
    found = new_registry()
    found.register(StoreCollector(store))
    found.register(GRADING_DURATION)
    return found
