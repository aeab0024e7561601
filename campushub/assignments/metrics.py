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

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ..webservice.metrics import AtScrape, new_registry

# A notebook run takes seconds to minutes (assignments.timeout caps it).
GRADING_DURATION = Histogram(
    "campushub_grading_duration_seconds", "Time to autograde one submitted version",
    buckets=(1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, float("inf")), registry=None,
)


def families(counts: dict | None) -> list:
    """From Store.metric_counts() (None: the families alone)."""
    submissions = CounterMetricFamily("campushub_submissions", "Submitted versions per course", labels=["course"])
    jobs = GaugeMetricFamily("campushub_grading_jobs", "Autograding jobs waiting or running", labels=["state"])
    if counts is not None:
        for course, n in sorted(counts["submissions"].items()):
            submissions.add_metric([course], n)
        for state, n in counts["jobs"].items():
            jobs.add_metric([state], n)
    return [submissions, jobs]


def registry(store) -> CollectorRegistry:
    found = new_registry()
    found.register(AtScrape(store.metric_counts, families))
    found.register(GRADING_DURATION)
    return found
