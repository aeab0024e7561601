"""The assignments service in a release (render/assignments.py): its
Deployment, Service, ConfigMap, claim and NetworkPolicy valid for the
oldest and newest Kubernetes the chart runs on, values the chart's schema
accepts, names that the hub's configuration, the proxy's route and the
policies agree on, and no secret in anything rendered. No cluster runs
here: kubernetes-validate and the chart's schema stand in for the API
server and helm."""

from __future__ import annotations

import json

import pytest
import yaml

from campushub.config import ConfigError, validate
from campushub.deploy.kubernetes import assignments as where
from campushub.deploy.kubernetes import secrets
from campushub.deploy.kubernetes.render import assignments, images
from campushub.deploy.kubernetes.render.values import render

from .chart import assert_chart_accepts, assert_valid_manifest
from .service_objects import assert_names_agree, service_objects
from .service_objects import env_values as _env
from .service_objects import service_container as _container

PASSWORD = "Assign-pw-4f1c9a"
COURSE = {"ml": {"learners_group": "ml", "tutors_group": "ml-tutors"}}


def _config(**assignments_section) -> dict:
    return validate({"courses": COURSE, "assignments": assignments_section,
                     "kubernetes": {"images": {"registry": "registry.example.org/campus"}}})


def _objects(config: dict) -> dict[str, dict]:
    return service_objects(config, where.NAME)


@pytest.mark.parametrize("section", [{}, {"db_url": f"postgresql://grader:{PASSWORD}@db.example.org/assign",
                                          "workers": 4, "memory": "2G"}], ids=["sqlite", "postgresql"])
def test_objects_are_valid_and_values_accepted_by_the_chart(section):
    config = _config(**section)
    rendered = render(config)
    ours = [m for m in rendered.manifests if m["metadata"]["name"].startswith(where.NAME)]
    assert {m["kind"] for m in ours} >= {"Deployment", "Service", "NetworkPolicy", "ConfigMap"}
    for manifest in ours:
        assert_valid_manifest(manifest)
    assert_chart_accepts(rendered.values)


def test_the_names_agree():
    assert_names_agree(_config(), "assignments")


def test_sqlite_lives_on_a_claim_of_its_own():
    config = _config(storage="20G")
    objects = _objects(config)
    claim = objects["PersistentVolumeClaim"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "20480Mi"
    volumes = {v["name"]: v for v in objects["Deployment"]["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    env = _env(_container(objects))
    assert env[secrets.ASSIGNMENTS_DB.env] == f"sqlite:///{assignments.DATA}/assignments.sqlite"
    mounts = {m["name"]: m["mountPath"] for m in _container(objects)["volumeMounts"]}
    assert mounts["data"] == assignments.DATA
    # one pod at a time on a ReadWriteOnce claim
    assert objects["Deployment"]["spec"]["strategy"] == {"type": "Recreate"}
    assert objects["Deployment"]["spec"]["replicas"] == 1


def test_a_postgresql_url_comes_from_the_secret_and_is_written_nowhere():
    config = _config(db_url=f"postgresql://grader:{PASSWORD}@db.example.org/assign")
    rendered = render(config)
    objects = _objects(config)
    assert "PersistentVolumeClaim" not in objects
    assert _env(_container(objects))[secrets.ASSIGNMENTS_DB.env] == {"secretKeyRef": {
        "name": config["kubernetes"]["secret_name"], "key": "assignments-db-url"}}
    assert PASSWORD not in json.dumps(rendered.manifests) + json.dumps(rendered.values)
    assert any("assignments-db-url" in n for n in rendered.notes)
    # nor in the hub's environment: the hub has no use for it
    assert secrets.ASSIGNMENTS_DB.env not in rendered.values["hub"]["extraEnv"]


def test_a_sqlite_url_is_refused_naming_the_key():
    with pytest.raises(ConfigError) as e:
        render(_config(db_url="sqlite:////srv/assignments.sqlite"))
    assert e.value.key == "assignments.db_url"


def test_the_site_file_it_reads_fixes_the_workers_and_holds_no_secret():
    config = _config(db_url=f"postgresql://grader:{PASSWORD}@db.example.org/assign")
    site = yaml.safe_load(_objects(config)["ConfigMap"]["data"]["campushub.yaml"])
    assert site["assignments"]["workers"] == assignments.POD_WORKERS  # os.cpu_count() in a pod is the node's
    assert site["assignments"]["db_url"] is None
    assert site["courses"]["ml"]["learners_group"] == "ml"


def test_resources_cover_every_worker_at_its_limit():
    container = _container(_objects(_config(workers=3, memory="2G", cpu=1)))
    limit = container["resources"]["limits"]["memory"]
    assert limit.endswith("Mi") and int(limit[:-2]) >= 3 * 2048
    assert container["resources"]["requests"]["cpu"] == "3000m"


def test_the_sandbox_gets_what_it_needs_and_no_cluster_credentials():
    objects = _objects(_config())
    spec = objects["Deployment"]["spec"]["template"]["spec"]
    annotations = objects["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert spec["automountServiceAccountToken"] is False  # learner code must find no API token
    assert _container(objects)["securityContext"]["privileged"] is True
    assert annotations["container.apparmor.security.beta.kubernetes.io/assignments"] == "unconfined"


def test_the_image_is_built_after_the_images_it_is_made_of():
    config = _config()
    refs = [b.ref for b in images.builds(config)]
    image = _container(_objects(config))["image"]
    assert refs[-1] == image
    dockerfile = images.builds(config)[-1].dockerfile
    assert f"FROM {images.hub_image(config)}" in dockerfile
    assert f"FROM {images.user_image(config, *images.grading_version(config))} AS environment" in dockerfile
    assert refs.index(images.hub_image(config)) < refs.index(image)


def test_grading_needs_an_environment_campushub_builds():
    config = validate({"courses": COURSE, "kubernetes": {"image": {"name": "quay.io/jupyter/scipy-notebook",
                                                                   "tag": "2026-01-01"}}})
    with pytest.raises(ConfigError) as e:
        render(config)
    assert e.value.key == "assignments.enabled"
    off = validate({"courses": COURSE, "assignments": {"enabled": False},
                    "kubernetes": {"image": {"name": "quay.io/jupyter/scipy-notebook", "tag": "2026-01-01"}}})
    assert not _objects(off)


def test_off_renders_nothing():
    config = validate({"courses": COURSE, "assignments": {"enabled": False}})
    rendered = render(config)
    assert not _objects(config)
    assert "assignments" not in rendered.values["hub"].get("services", {})  # analytics may still be there
    assert not any(b.context == "assignments" for b in images.builds(config))


def test_the_charts_hub_config_then_ours_announce_it(tmp_path, monkeypatch):
    """The chart's own jupyterhub_config.py on the rendered values, then our
    extraConfig: the service with the chart-made token the pod reads too."""
    from .test_chart_hub import release_hub

    config = validate({"courses": COURSE, "hub": {"db_url": None}})
    c = release_hub(config, tmp_path, monkeypatch)
    (entry,) = [s for s in c.JupyterHub.services if s["name"] == "assignments"]
    assert entry["api_token"] == "chart-made-assignments"
    assert entry["url"] == where.url() and entry["oauth_no_confirm"] is True
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["campushub-assignments"]["services"] == ["assignments"]
    assert "access:services!service=assignments" in roles["user"]["scopes"]
    assert "access:services!service=assignments" in c.CampusHubKubeSpawner.server_token_scopes
