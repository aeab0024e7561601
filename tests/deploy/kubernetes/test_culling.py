"""Culling in a release: the chart's own culler off, and the hub pod running
ours from the same culling keys as locally, group limits included, through
the site file the pod mounts. No cluster runs here: the values are checked
against the chart's schema, and the hub's configuration is applied to a
traitlets Config as the chart's extraConfig applies it."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml
from jupyterhub.proxy import ConfigurableHTTPProxy
from traitlets.config import Config
from traitlets.utils.importstring import import_item

from campushub.config import validate
from campushub.deploy.kubernetes import hub_config
from campushub.deploy.kubernetes.render import hub, images
from campushub.deploy.kubernetes.render.values import render

from .chart import assert_chart_accepts
from .examples import example

LDAP_EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "k8s-ldap" / "campushub.yaml"


def _in_the_hub_pod(config: dict) -> Config:
    """The hub's configuration from the site file the release mounts (what the pod reads)."""
    c = Config()
    hub_config.apply(c, validate(yaml.safe_load(hub.site_file(config))), {})
    return c


def _culler(c: Config) -> dict:
    return next(s for s in c.JupyterHub.services if s["name"] == "campushub-idle-culler")


def test_group_limits_reach_the_culler_in_the_hub_pod():
    config = example(LDAP_EXAMPLE)  # culling: 2 h, max_age a day, risk: 8 h
    values = render(config).values
    assert values["cull"] == {"enabled": False}  # the chart's culler: off
    assert_chart_accepts(values)
    c = _in_the_hub_pod(config)
    entry = _culler(c)
    assert entry["command"][:3] == [sys.executable, "-m", "jupyterhub_idle_culler"]  # the pod's Python
    assert "--timeout=7200" in entry["command"]
    hook_file = Path(next(a.split("=", 1)[1] for a in entry["command"] if a.startswith("--config=")))
    assert hook_file.is_file()  # in the installed campushub, wherever the image has it
    rules = json.loads(entry["environment"]["CAMPUSHUB_CULLING"])["culling"]
    assert rules["groups"]["risk"]["timeout"] == 28800 and rules["max_age"] == 86400
    role = next(r for r in c.JupyterHub.load_roles if r["name"] == "campushub-idle-culler")
    assert "delete:servers" in role["scopes"] and "admin:users" not in role["scopes"]
    # activity from the servers' reports, as often as a 2 h timeout needs; the chart's proxy settings still apply
    assert issubclass(import_item(c.JupyterHub.proxy_class), ConfigurableHTTPProxy)
    assert c.RouteActivity.route_activity is False
    assert c.CampusHubKubeSpawner.environment.get_value({})["JUPYTERHUB_ACTIVITY_INTERVAL"] == "300"


def test_a_site_still_using_kubernetes_culling_gets_the_same_culler():
    old = validate({"kubernetes": {"namespace": "jhub", "culling": {"timeout": 1800, "cull_admins": False}}})
    assert "culling" not in old["kubernetes"]  # so the site file the pod mounts has it in the new place
    entry = _culler(_in_the_hub_pod(old))
    assert "--timeout=1800" in entry["command"]
    assert json.loads(entry["environment"]["CAMPUSHUB_CULLING"])["culling"]["cull_admins"] is False
    assert render(old).values["cull"] == {"enabled": False}


def test_turned_off_no_culler_runs_anywhere():
    config = validate({"kubernetes": {"namespace": "jhub"}, "culling": {"enabled": False}})
    assert render(config).values["cull"] == {"enabled": False}
    c = _in_the_hub_pod(config)
    assert all(s["name"] != "campushub-idle-culler" for s in c.JupyterHub.services)


def test_the_hub_image_has_the_culler_our_hook_is_written_for():
    # the chart's hub image has jupyterhub-idle-culler 1.4.0; the hook is written for 2.x
    lock = images.package_lock("hub_image.lock").decode()
    pin = re.search(r"^jupyterhub-idle-culler==(\S+)$", lock, re.M)
    assert pin and pin.group(1).startswith("2.")
