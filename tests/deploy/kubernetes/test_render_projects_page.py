"""The projects page's service in a release (render/projects_page.py through
render/hub_service.py): Deployment, Service, ConfigMap and NetworkPolicy
valid for the Kubernetes versions the chart runs on, values the chart's
schema accepts, the names the hub's configuration agrees on, and what it
does not get: a claim (it keeps no database), cluster credentials, root.
No cluster here: kubernetes-validate and the chart's schema stand in."""

from __future__ import annotations

from campushub.config import validate
from campushub.deploy.kubernetes.render import images
from campushub.deploy.kubernetes.render.values import render
from campushub.deploy.kubernetes.service_place import PROJECTS

from .chart import assert_chart_accepts, assert_valid_manifest
from .service_objects import assert_names_agree, env_values, service_container, service_objects


def _config(**section) -> dict:
    return validate({"projects": section, "kubernetes": {"images": {"registry": "registry.example.org/campus"}}})


def test_objects_are_valid_and_values_accepted_by_the_chart():
    rendered = render(_config())
    ours = [m for m in rendered.manifests if m["metadata"]["name"].startswith(PROJECTS.name)]
    assert {m["kind"] for m in ours} == {"Deployment", "Service", "NetworkPolicy", "ConfigMap"}  # no claim
    for manifest in ours:
        assert_valid_manifest(manifest)
    assert_chart_accepts(rendered.values)
    assert any("projects page" in n for n in rendered.notes)


def test_names_agree_and_it_knows_it_cannot_see_the_claims():
    config = _config()
    objects = assert_names_agree(config, "projects")
    container = service_container(objects)
    assert container["image"] == images.hub_image(config)
    env = env_values(container)
    assert env["CAMPUSHUB_PROJECTS_STORAGE"] == "kubernetes"
    assert not any(name.endswith("_DB_URL") for name in env)
    volumes = {v["name"]: v for v in objects["Deployment"]["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"] == {"name": "data", "emptyDir": {}}


def test_unprivileged_and_without_cluster_credentials():
    objects = service_objects(_config(), PROJECTS.name)
    spec, security = objects["Deployment"]["spec"]["template"]["spec"], service_container(objects)["securityContext"]
    assert spec["automountServiceAccountToken"] is False
    assert security["runAsNonRoot"] is True and security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}


def test_off_renders_nothing_of_it():
    rendered = render(_config(enabled=False))
    assert not [m for m in rendered.manifests if m["metadata"]["name"].startswith(PROJECTS.name)]
    assert "projects" not in rendered.values["hub"].get("services", {})
