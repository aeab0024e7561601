"""The release's hub as the chart really configures it: the Zero to
JupyterHub 4.4.0 chart's own files/hub/jupyterhub_config.py runs on the
rendered values of every example (merged over the chart's defaults, as helm
puts them in the hub's Secret), then our hub.extraConfig, as the hub pod
runs them. It checks that what the chart set first (its proxy, KubeSpawner
settings) and ours fit together, that our idle culler replaces the chart's, and that chart_spawner.py,
which the pod tests use to stand in for the chart, builds the same pods.

No hub and no cluster: only the configuration files run (KubeSpawner with
_mock=True and a kubeconfig naming no cluster). The chart's two hub files
are read where CAMPUSHUB_Z2JH_CHART points (scripts/z2jh_chart.py fetches
them), never copied into the project; without them this test skips.
"""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import sys
from pathlib import Path

import pytest
import yaml
from kubernetes_asyncio.client import ApiClient
from tornado.httpclient import AsyncHTTPClient
from traitlets.config import Config

from campushub.config import load
from campushub.deploy.kubernetes.render import hub as hub_fragment
from campushub.deploy.kubernetes.render.values import render

from . import chart_spawner
from .chart import CHART, chart_defaults, helm_merge

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
HUB_FILES = CHART / "files" / "hub"
EXAMPLES = sorted((Path(__file__).parents[3] / "examples").glob("*/campushub.yaml"))
# Set per Hub() object, so they differ between any two spawners.
PER_HUB = {"JUPYTERHUB_API_URL", "JUPYTERHUB_ACTIVITY_URL"}


def _chart_hub_file(name: str) -> Path:
    path = HUB_FILES / name
    if not path.is_file():
        pytest.skip(f"the chart's hub configuration is not at {path} "
                    "(python3 scripts/z2jh_chart.py DIR fetches it; set CAMPUSHUB_Z2JH_CHART=DIR)")
    return path


def release_hub(config: dict, tmp_path: Path, monkeypatch) -> Config:
    """c after the chart's jupyterhub_config.py and then our extraConfig."""
    source, helpers = _chart_hub_file("jupyterhub_config.py"), _chart_hub_file("z2jh.py")
    values = render(config).values
    merged = copy.deepcopy(helm_merge(chart_defaults(), values))
    extra = merged["hub"].pop("extraConfig")  # run below, with the site file where this test put it
    kube = config["kubernetes"]
    merged["Chart"] = {"Name": "jupyterhub", "Version": "4.4.0", "AppVersion": "5.5.0"}
    merged["Release"] = {"Name": kube["release"], "Namespace": kube["namespace"], "Service": "Helm"}

    # What the hub pod has: the chart's values from its Secret, the names of
    # its objects from its ConfigMap, and Kubernetes' service variables.
    spec = importlib.util.spec_from_file_location("z2jh", helpers)
    z2jh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(z2jh)
    z2jh._load_config = lambda: merged
    # With the chart's default fullnameOverride "", its ConfigMap of names
    # (templates/_helpers-names.tpl) has bare names (hub, proxy-api), but the
    # user scheduler registers as <release>-user-scheduler and the
    # PriorityClass is <release>-default-priority.
    names = {"user-scheduler": f"{kube['release']}-user-scheduler", "priority": f"{kube['release']}-default-priority"}
    z2jh._get_config_value = lambda name: names.get(name, name)
    generated = {"hub.config.JupyterHub.cookie_secret": "00" * 32, "hub.config.CryptKeeper.keys": "0" * 64}
    # the chart makes a token for each hub.services entry (templates/hub/secret.yaml)
    generated |= {f"hub.services.{key}.apiToken": f"chart-made-{key}" for key in values["hub"].get("services", {})}
    z2jh.get_secret_value = lambda key, default=None: generated.get(key, default)
    monkeypatch.setitem(sys.modules, "z2jh", z2jh)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the chart's file prepends its folder
    # The chart picks tornado's curl client, a process-wide choice (and pycurl may be missing here).
    monkeypatch.setattr(AsyncHTTPClient, "configure", classmethod(lambda cls, *a, **kw: None))
    monkeypatch.setenv("PROXY_API_SERVICE_PORT", "8001")
    monkeypatch.setenv("HUB_SERVICE_PORT", "8081")
    monkeypatch.setenv("POD_NAMESPACE", kube["namespace"])

    c = Config()
    exec(compile(source.read_text(), str(source), "exec"), {"get_config": lambda: c, "__file__": str(source)})

    site = tmp_path / "campushub.yaml"
    site.write_text(values["hub"]["extraFiles"]["campushub-yaml"]["stringData"])
    # The hub container's environment: each secret the values wire for certain, from the Secret.
    environ = {name: "postgresql://hub:pw@db.example/hub" if name.endswith("_URL") else "from-the-secret"
               for name, ref in values["hub"]["extraEnv"].items()
               if not ref["valueFrom"]["secretKeyRef"].get("optional")}
    for _, code in sorted(extra.items()):
        exec(code.replace(f'"{hub_fragment.SITE_FILE}"', f'"{site}", environ'), {"c": c, "environ": environ})
    return c


def _pod(config: dict, c: Config) -> dict:
    async def build():
        spawner = chart_spawner.spawner(config, c, "learner", [])
        spawner.check_and_apply({})
        async with ApiClient() as api:
            return api.sanitize_for_serialization(await spawner.get_pod_manifest())
    pod = asyncio.run(build())
    for container in pod["spec"]["containers"]:
        container["env"] = [e for e in container.get("env", []) if e["name"] not in PER_HUB]
    return _without_empty(pod)


def _without_empty(node):
    """`resources: {}` and no resources are the same pod."""
    if isinstance(node, dict):
        return {k: _without_empty(v) for k, v in node.items() if v not in ({}, [], None)}
    if isinstance(node, list):
        return [_without_empty(v) for v in node]
    return node


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_the_charts_hub_config_then_ours(example, tmp_path, monkeypatch):
    config = load(example)
    c = release_hub(config, tmp_path, monkeypatch)
    hub = c.JupyterHub
    assert hub.spawner_class == "campushub.deploy.kubernetes.spawner.CampusHubKubeSpawner"
    assert hub.authenticator_class.startswith("campushub.hub.auth.")  # not the chart's dummy
    assert hub.db_url == "postgresql://hub:pw@db.example/hub"  # from the Secret, over the chart's none
    assert c.ConfigurableHTTPProxy.should_start is False  # the chart's proxy pod stays the proxy
    assert any(p.endswith("campushub/hub/templates") for p in hub.template_paths)
    # the chart's idle culler is off (render/cluster.py): ours runs in its place, with its own role
    services = {s["name"] for s in hub.services}
    assert "campushub-idle-culler" in services and "jupyterhub-idle-culler" not in services
    assert "jupyterhub-idle-culler" not in {r["name"] for r in hub.load_roles}
    assert c.CampusHubKubeSpawner.site_config["kubernetes"]["namespace"] == c.KubeSpawner.namespace


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_chart_spawner_builds_the_pods_the_chart_would(example, tmp_path, monkeypatch):
    config = load(example)
    real = _pod(config, release_hub(config, tmp_path, monkeypatch))
    model = _pod(config, chart_spawner.release_config(config))
    release = config["kubernetes"]["release"]
    assert real["spec"]["schedulerName"] == f"{release}-user-scheduler"
    assert real["spec"]["priorityClassName"] == f"{release}-default-priority"
    assert yaml.safe_dump(real["spec"]) == yaml.safe_dump(model["spec"])
    assert real["metadata"]["annotations"] == model["metadata"]["annotations"]
