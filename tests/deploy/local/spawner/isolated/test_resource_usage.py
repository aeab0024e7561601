"""Memory used against the server's own limit, in JupyterLab's status bar:
jupyter-resource-usage in the shared environment, its limits from the
policy the person chose (MEM_LIMIT and CPU_LIMIT, set by JupyterHub)."""

from __future__ import annotations

import json
import re

import requests

from .....harness import run_code
from .conftest import MIB, start, stop


def test_metrics_report_the_chosen_limits_and_the_lab_shows_them(hub):
    token = start(hub, "rue", {"memory": "768M", "cpu": 1.5})
    headers = {"Authorization": f"token {token}"}
    try:
        r = requests.get(f"{hub.url}/user/rue/api/metrics/v1", headers=headers, timeout=60)
        assert r.status_code == 200, r.text[:300]
        metrics = r.json()
        assert metrics["limits"]["memory"]["rss"] == 768 * MIB, metrics
        assert 10 * MIB < metrics["rss"] < 768 * MIB, metrics
        assert metrics["limits"]["cpu"]["cpu"] == 1.5 and "cpu_percent" in metrics, metrics
        # its kernel panel asks a kernel over the (unix socket) control channel
        kernel = run_code(hub, "rue", token, "x = bytearray(50 * 2**20)")["kernel_id"]
        r = requests.get(f"{hub.url}/user/rue/api/metrics/v1/kernel_usage/get_usage/{kernel}", headers=headers,
                         timeout=60)
        usage = r.json()["content"]
        assert usage.get("kernel_memory", 0) > 50 * MIB, usage
        # the status bar item is JupyterLab's federated extension from the package
        page = requests.get(f"{hub.url}/user/rue/lab", headers=headers, timeout=60)
        assert page.status_code == 200
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>\s*(\{.*?\})\s*</script>', page.text,
                                      re.S).group(1))
        names = [e["name"] for e in config["federated_extensions"]]
        assert "@jupyter-server/resource-usage" in names, names
        assert "@jupyter-server/resource-usage" not in config.get("disabledExtensions", {}), config
    finally:
        stop(hub, "rue")
