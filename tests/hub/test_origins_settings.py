"""hub.subdomain_host reaches JupyterHub in both deployments (hub/settings.py),
with __Host- cookies over https, and the proxies route by host: `up`'s
configurable-http-proxy and the chart's (values validated offline)."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from campushub.config import validate
from campushub.deploy.kubernetes.render import subdomains
from campushub.deploy.kubernetes.render.values import render
from campushub.deploy.local import processes
from campushub.deploy.local.layout import Layout
from campushub.hub import settings

from ..deploy.kubernetes.chart import assert_chart_accepts


@pytest.fixture(autouse=True)
def _apps_switch():
    from campushub.hub.apps import viewers

    before = viewers.owner_only  # apply() sets the apps page's process-wide switch (hub/apps/viewers.py)
    yield
    viewers.owner_only = before


def applied(hub: dict) -> Config:
    c = Config()
    settings.apply(c, validate({"hub": hub}), spawner_section="SystemUserSpawner")
    return c


@pytest.mark.parametrize("url, host_cookies", [("https://hub.example.org", True),
                                                ("http://hub.localhost:8000", False)])
def test_subdomain_host_is_jupyterhubs(url, host_cookies):
    c = applied({"subdomain_host": url})
    assert c.JupyterHub.subdomain_host == url
    assert c.JupyterHub.cookie_host_prefix_enabled is host_cookies  # browsers drop __Host- cookies over http


def test_without_it_jupyterhub_keeps_one_origin():
    c = applied({})
    assert "subdomain_host" not in c.JupyterHub and "cookie_host_prefix_enabled" not in c.JupyterHub


def test_the_local_proxy_routes_by_host_only_with_subdomains(tmp_path):
    layout = Layout(tmp_path)
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    hub = validate({"hub": {"hub_port": 8081, "proxy_api_port": 8001}})["hub"]
    chp = ["/usr/bin/node", "/opt/chp"]
    assert "--host-routing" not in processes._proxy_command(layout, chp, hub)[0]
    cmd = processes._proxy_command(layout, chp, {**hub, "subdomain_host": "https://hub.example.org"})[0]
    assert "--host-routing" in cmd
    # a running proxy started without it is replaced at the next `up`
    assert processes.proxy_changed(layout, chp, hub) is False
    assert processes.proxy_changed(layout, chp, {**hub, "subdomain_host": "https://hub.example.org"}) is True


def test_the_charts_proxy_routes_by_host_and_the_chart_accepts_it():
    config = validate({"hub": {"subdomain_host": "https://hub.example.org"}})
    rendered = render(config)
    assert rendered.values["proxy"]["chp"]["extraCommandLineFlags"] == ["--host-routing"]
    assert_chart_accepts(rendered.values)
    assert any("*.hub.example.org" in note and "wildcard" in note for note in rendered.notes)
    assert subdomains.values(validate({})) == {} and subdomains.notes(validate({})) == []


def test_service_pages_link_to_the_hubs_origin_with_subdomains(monkeypatch):
    from campushub.webservice import runner

    for name in ("JUPYTERHUB_BASE_URL", "JUPYTERHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    plain = validate({"hub": {"hub_port": 8081}})
    assert runner.hub_urls(plain) == ("/hub/", "http://127.0.0.1:8081/hub/api")
    # a service's own origin gets no hub login cookie: its links go to the hub's; its API calls stay inside
    sub = validate({"hub": {"hub_port": 8081, "subdomain_host": "https://hub.example.org"}})
    assert runner.hub_urls(sub) == ("https://hub.example.org/hub/", "http://127.0.0.1:8081/hub/api")
