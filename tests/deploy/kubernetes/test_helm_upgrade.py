"""`helm upgrade` of a release after a change of the site configuration
restarts the hub pod and leaves the proxy pod and the user pods running.

No cluster runs here (this is checked offline, on what `campushub k8s render`
writes merged over the chart's defaults as helm merges it): a hub-only change
leaves the proxy's values untouched (so its Deployment's pod template, and the
pod, stay the same), the hub keeps servers and routes when it stops
(cleanup_servers/cleanup_proxy off), migrates its database as it starts, and a
hub on SQLite in a PVC is replaced with the Recreate strategy (the
ReadWriteOnce claim can be mounted by one pod at a time). That the pods really
stay up during an upgrade needs a cluster: docs/operations.md says how to
check it there."""

from __future__ import annotations

import copy

import pytest
from traitlets.config import Config

from campushub.deploy.kubernetes import hub_config
from campushub.deploy.kubernetes.render.values import render

from .chart import assert_chart_accepts, chart_defaults, helm_merge
from .examples import EXAMPLES, example


def _hub_only_change(config: dict) -> dict:
    changed = copy.deepcopy(config)
    changed["spawner"]["start_timeout"] = config["spawner"]["start_timeout"] + 17
    changed["hub"]["cookie_max_age_days"] = config["hub"]["cookie_max_age_days"] + 1
    return changed


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_a_hub_change_leaves_the_proxy_alone(path):
    config = example(path)
    before, after = render(config).values, render(_hub_only_change(config)).values
    assert_chart_accepts(after)
    assert after["hub"] != before["hub"]  # the change reaches the hub (its pod is replaced)...
    assert after.get("proxy") == before.get("proxy")  # ...and nothing of the proxy's pod template changes
    merged = helm_merge(chart_defaults(), after)
    if merged["hub"]["db"]["type"] == "sqlite-pvc":
        assert merged["hub"]["deploymentStrategy"]["type"] == "Recreate"
    # the proxy runs in a Deployment of its own, not inside the hub's pod
    assert merged["proxy"]["chp"] and merged["proxy"]["deploymentStrategy"]["type"] == "Recreate"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_the_hub_keeps_servers_and_routes_and_migrates_its_database(path):
    c = Config()
    hub_config.apply(c, example(path), {})
    assert c.JupyterHub.cleanup_servers is False
    assert c.JupyterHub.cleanup_proxy is False
    assert c.JupyterHub.upgrade_db is True
