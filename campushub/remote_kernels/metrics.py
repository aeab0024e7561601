"""The front's Prometheus series, served at {prefix}metrics (webservice/metrics.py), read from the kernel table at
scrape time (a restarted front reports the same):

  campushub_remote_kernels{kernelspec}                 running remote kernels
  campushub_remote_kernels_ended_total{kernelspec,state}   kernels ended: deleted, culled (idle) or stopped
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ..webservice.metrics import AtScrape, new_registry


def families(counts: dict | None) -> list:
    """From Store.counts(): {(kernelspec, state): n} (None: the families alone)."""
    running = GaugeMetricFamily("campushub_remote_kernels", "Running remote kernels", labels=["kernelspec"])
    ended = CounterMetricFamily("campushub_remote_kernels_ended", "Remote kernels ended, by how",
                                labels=["kernelspec", "state"])
    for (kernelspec, state), n in sorted((counts or {}).items()):
        if state == "running":
            running.add_metric([kernelspec], n)
        else:
            ended.add_metric([kernelspec, state], n)
    return [running, ended]


def registry(store) -> CollectorRegistry:
    found = new_registry()
    found.register(AtScrape(store.counts, families))
    return found
