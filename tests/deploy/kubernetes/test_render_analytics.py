"""The analytics service in a release (render/analytics.py through
render/hub_service.py, the builder the assignments service uses too): its
Deployment, Service, ConfigMap, claim and NetworkPolicy valid for the oldest
and newest Kubernetes the chart runs on, values the chart's schema accepts
once merged over its defaults, names the hub's configuration and the
policies agree on, its database URL only in its own pod, and Prometheus's
way in. No cluster runs here: kubernetes-validate and the chart's schema
stand in for the API server and helm."""

from __future__ import annotations

import json

import pytest
import yaml

from campushub.config import ConfigError, validate
from campushub.deploy.kubernetes import secrets
from campushub.deploy.kubernetes.render import analytics, images, monitoring
from campushub.deploy.kubernetes.render.values import render
from campushub.deploy.kubernetes.service_place import ANALYTICS, ASSIGNMENTS

from .chart import assert_chart_accepts, assert_valid_manifest
from .service_objects import assert_names_agree, service_objects
from .service_objects import env_values as _env
from .service_objects import service_container as _container

PASSWORD = "Analytics-pw-7d2e01"
PG = f"postgresql://analytics:{PASSWORD}@db.example.org/analytics"
COURSE = {"ml": {"learners_group": "ml", "tutors_group": "ml-tutors"}}


def _config(base_url: str = "/", **section) -> dict:
    return validate({"courses": COURSE, "analytics": section, "hub": {"base_url": base_url},
                     "kubernetes": {"images": {"registry": "registry.example.org/campus"}}})


def _objects(config: dict) -> dict[str, dict]:
    return service_objects(config, ANALYTICS.name)


@pytest.mark.parametrize("section", [{}, {"db_url": PG}], ids=["sqlite", "postgresql"])
def test_objects_are_valid_and_values_accepted_by_the_chart(section):
    rendered = render(_config(**section))
    ours = [m for m in rendered.manifests if m["metadata"]["name"].startswith(ANALYTICS.name)]
    assert {m["kind"] for m in ours} >= {"Deployment", "Service", "NetworkPolicy", "ConfigMap"}
    scrapers = [m for m in rendered.manifests if m["metadata"]["name"] == monitoring.NAME]
    for manifest in ours + scrapers:
        assert_valid_manifest(manifest)
    assert_chart_accepts(rendered.values)


def test_the_names_agree():
    config = _config()
    objects = assert_names_agree(config, "analytics")
    assert _container(objects)["image"] == images.hub_image(config)  # CampusHub, and so the service


def test_sqlite_lives_on_a_claim_of_its_own():
    objects = _objects(_config(storage="2G"))
    claim = objects["PersistentVolumeClaim"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "2048Mi"
    volumes = {v["name"]: v for v in objects["Deployment"]["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    env = _env(_container(objects))
    # a folder the service makes inside the claim, so it owns it and may close it (chmod 0700)
    assert env["CAMPUSHUB_ANALYTICS_DIR"] == f"{analytics.DATA}/service"
    assert env["CAMPUSHUB_ANALYTICS_DB_URL"] == f"sqlite:///{analytics.DATA}/service/analytics.sqlite"
    assert {m["name"]: m["mountPath"] for m in _container(objects)["volumeMounts"]}["data"] == analytics.DATA
    assert objects["Deployment"]["spec"]["strategy"] == {"type": "Recreate"}
    assert objects["Deployment"]["spec"]["replicas"] == 1
    # the hub image's user must be able to write the claim
    assert objects["Deployment"]["spec"]["template"]["spec"]["securityContext"]["fsGroup"] == analytics.GID


def test_a_postgresql_url_comes_from_the_secret_and_is_written_nowhere():
    config = _config(db_url=PG)
    rendered, objects = render(config), _objects(config)
    assert "PersistentVolumeClaim" not in objects
    assert _env(_container(objects))["CAMPUSHUB_ANALYTICS_DB_URL"] == {"secretKeyRef": {
        "name": config["kubernetes"]["secret_name"], "key": "analytics-db-url"}}
    assert PASSWORD not in json.dumps(rendered.manifests) + json.dumps(rendered.values)
    assert yaml.safe_load(objects["ConfigMap"]["data"]["campushub.yaml"])["analytics"]["db_url"] is None
    assert any("analytics-db-url" in n for n in rendered.notes)
    # nor in the hub's or the assignments service's environment: only this pod needs it
    assert secrets.ANALYTICS_DB.env not in rendered.values["hub"]["extraEnv"]
    (assignments,) = [m for m in rendered.manifests
                      if m["kind"] == "Deployment" and m["metadata"]["name"] == ASSIGNMENTS.name]
    assert secrets.ANALYTICS_DB.env not in _env(_container({"Deployment": assignments}))


def test_a_sqlite_url_is_refused_naming_the_key():
    with pytest.raises(ConfigError) as e:
        render(_config(db_url="sqlite:////srv/analytics.sqlite"))
    assert e.value.key == "analytics.db_url"


def test_it_runs_unprivileged_with_no_cluster_credentials():
    objects = _objects(_config())
    spec, security = objects["Deployment"]["spec"]["template"]["spec"], _container(objects)["securityContext"]
    assert spec["automountServiceAccountToken"] is False
    assert security["runAsNonRoot"] is True and security["allowPrivilegeEscalation"] is False
    assert "privileged" not in security and security["capabilities"] == {"drop": ["ALL"]}


def test_prometheus_reaches_the_hub_and_both_services_from_labelled_pods_only():
    config = _config(base_url="/campus/")
    rendered = render(config)
    annotations = _objects(config)["Service"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == "/campus/services/analytics/metrics"
    assert annotations["prometheus.io/port"] == "8080"
    (policy,) = [m for m in rendered.manifests if m["metadata"]["name"] == monitoring.NAME]
    (rule,) = policy["spec"]["ingress"]
    scraper = {"namespaceSelector": {}, "podSelector": {"matchLabels": {"campushub/metrics-scraper": "true"}}}
    assert rule["from"] == [scraper] and rule["ports"] == [{"protocol": "TCP", "port": 8080}]
    (which,) = policy["spec"]["podSelector"]["matchExpressions"]
    assert which["values"] == ["assignments", "analytics", "projects"]
    hub_rules = rendered.values["hub"]["networkPolicy"]["ingress"]
    assert {"from": [scraper], "ports": [{"protocol": "TCP", "port": 8081}]} in hub_rules


def test_off_renders_nothing_of_it():
    config = validate({"courses": COURSE, "analytics": {"enabled": False}})
    rendered = render(config)
    assert not _objects(config)
    assert "analytics" not in rendered.values["hub"]["services"]  # assignments is still there
    assert not any("analytics" in n for n in rendered.notes)
    (policy,) = [m for m in rendered.manifests if m["metadata"]["name"] == monitoring.NAME]
    assert policy["spec"]["podSelector"]["matchExpressions"][0]["values"] == ["assignments", "projects"]
    both_off = validate({"assignments": {"enabled": False}, "analytics": {"enabled": False},
                         "projects": {"enabled": False}, "help": {"enabled": False}})
    assert not [m for m in render(both_off).manifests if m["metadata"]["name"] == monitoring.NAME]
    assert "services" not in render(both_off).values["hub"]


def test_the_charts_hub_config_then_ours_announce_it_and_a_prometheus_token(tmp_path, monkeypatch):
    """The chart's own jupyterhub_config.py on the rendered values, then our
    extraConfig: the service with the chart-made token its pod reads too, and
    a Prometheus token added the chart's way (docs/kubernetes.md) kept beside it."""
    from campushub.deploy.kubernetes.render import values as values_module

    from . import test_chart_hub

    scraper = {"hub": {"services": {"prometheus": {}},
                       "loadRoles": {"prometheus": {"scopes": ["read:metrics"], "services": ["prometheus"]}}}}
    monkeypatch.setattr(test_chart_hub, "render", lambda config: values_module.Rendered(
        values=values_module.merge(render(config).values, scraper)))
    c = test_chart_hub.release_hub(validate({"hub": {"db_url": None}}), tmp_path, monkeypatch)
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert services["analytics"]["api_token"] == "chart-made-analytics"
    assert services["analytics"]["url"] == ANALYTICS.url()
    assert services["prometheus"]["api_token"] == "chart-made-prometheus"
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["campushub-analytics"]["services"] == ["analytics"]
    assert "access:services!service=analytics" in roles["user"]["scopes"]
    assert roles["prometheus"]["scopes"] == ["read:metrics"] and roles["prometheus"]["services"] == ["prometheus"]
    environment = c.CampusHubKubeSpawner.environment.get_value({})  # an update of the chart's KubeSpawner's
    assert environment["CAMPUSHUB_ANALYTICS_URL"] == "http://campushub-analytics:8080/services/analytics/"


def test_servers_of_an_image_campushub_does_not_build_are_named():
    """The recording extension is in the images CampusHub builds only."""
    own = validate({"kubernetes": {"image": {"name": "quay.io/jupyter/scipy-notebook", "tag": "2026-01-01"}},
                    "assignments": {"enabled": False}})
    (note,) = [n for n in render(own).notes if "does not build" in n]
    assert "records cell executions" in note
    assert not any("does not build" in n for n in render(_config()).notes)
