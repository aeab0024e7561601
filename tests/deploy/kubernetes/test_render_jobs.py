"""The jobs service in a release (render/jobs.py through render/hub_service.py):
its Deployment, Service, ConfigMap, claim, NetworkPolicy and its cluster
rights (ServiceAccount, Role, RoleBinding) valid for the oldest and newest
Kubernetes the chart runs on, values the chart's schema accepts, the names the
hub's configuration agrees on, a Role that can do only what running jobs
needs, in its own namespace, and a database URL only in its own pod. No
cluster here: kubernetes-validate and the chart's schema stand in."""

from __future__ import annotations

import json

import pytest
import yaml

from campushub.config import ConfigError, validate
from campushub.deploy.kubernetes import secrets
from campushub.deploy.kubernetes.render import images, job_pods, jobs
from campushub.deploy.kubernetes.render.values import render
from campushub.deploy.kubernetes.service_place import JOBS, running

from .chart import assert_chart_accepts, assert_valid_manifest
from .service_objects import assert_names_agree, env_values, service_container, service_objects

PASSWORD = "Jobs-pw-41c9e2"
PG = f"postgresql://jobs:{PASSWORD}@db.example.org/jobs"


def _config(**section) -> dict:
    return validate({"jobs": {"enabled": True, **section}, "analytics": {"enabled": True},
                     "kubernetes": {"images": {"registry": "registry.example.org/campus"}}})


@pytest.mark.parametrize("section", [{}, {"db_url": PG}], ids=["sqlite", "postgresql"])
def test_objects_are_valid_and_values_accepted_by_the_chart(section):
    rendered = render(_config(**section))
    ours = [m for m in rendered.manifests if m["metadata"]["name"].startswith(JOBS.name)]
    kinds = {"Deployment", "Service", "NetworkPolicy", "ConfigMap", "ServiceAccount", "Role", "RoleBinding"}
    assert {m["kind"] for m in ours} == kinds | ({"PersistentVolumeClaim"} if not section else set())
    for manifest in ours:
        assert_valid_manifest(manifest)
    assert_chart_accepts(rendered.values)
    assert any("jobs service" in n for n in rendered.notes)


def test_the_names_agree_and_the_hub_finds_it():
    config = _config()
    objects = assert_names_agree(config, "jobs")
    container = service_container(objects)
    assert container["image"] == images.hub_image(config)
    env = env_values(container)
    assert env["CAMPUSHUB_JOBS_BACKEND"] == "kubernetes"
    assert env["CAMPUSHUB_JOBS_DB_URL"] == f"sqlite:///{jobs.STATE}/jobs.sqlite"
    assert env["CAMPUSHUB_JOBS_DIR"] == jobs.STATE
    # the hub's service entry and its servers' CAMPUSHUB_JOBS_URL (deploy/kubernetes/hub_config.py)
    assert JOBS in running(config) and JOBS.url() == "http://campushub-jobs:8080"


def test_its_role_runs_jobs_and_lists_their_pods_in_its_namespace_and_nothing_else():
    config = _config()
    objects = service_objects(config, JOBS.name)
    namespace = config["kubernetes"]["namespace"]
    role, binding, account = objects["Role"], objects["RoleBinding"], objects["ServiceAccount"]
    assert role["metadata"]["namespace"] == namespace  # a Role, not a ClusterRole: this namespace only
    allowed = {(group, resource, verb) for rule in role["rules"] for group in rule["apiGroups"]
               for resource in rule["resources"] for verb in rule["verbs"]}
    # what deploy/kubernetes/jobs.py calls, and no more: no Secrets, claims, exec, or other namespaces
    assert allowed == {("batch", "jobs", "create"), ("batch", "jobs", "get"), ("batch", "jobs", "delete"),
                       ("", "pods", "list")}
    assert not any("*" in value for rule in role["rules"] for values in rule.values() for value in values)
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": JOBS.name}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account["metadata"]["name"],
                                    "namespace": namespace}]
    spec = objects["Deployment"]["spec"]["template"]["spec"]
    assert spec["serviceAccountName"] == account["metadata"]["name"] and spec["automountServiceAccountToken"] is True
    security = service_container(objects)["securityContext"]
    assert security["runAsNonRoot"] is True and security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]} and security["allowPrivilegeEscalation"] is False


def test_no_other_service_of_ours_gets_cluster_credentials():
    rendered = render(_config())
    others = [m for m in rendered.manifests if m["kind"] == "Deployment" and m["metadata"]["name"] != JOBS.name
              and m["metadata"]["name"].startswith("campushub-")]
    assert others
    for deployment in others:
        spec = deployment["spec"]["template"]["spec"]
        assert spec.get("serviceAccountName") != JOBS.name
        assert spec["automountServiceAccountToken"] is False


def test_a_postgresql_url_comes_from_the_secret_and_is_written_nowhere():
    config = _config(db_url=PG)
    rendered, objects = render(config), service_objects(config, JOBS.name)
    assert "PersistentVolumeClaim" not in objects
    assert env_values(service_container(objects))["CAMPUSHUB_JOBS_DB_URL"] == {"secretKeyRef": {
        "name": config["kubernetes"]["secret_name"], "key": "jobs-db-url"}}
    assert PASSWORD not in json.dumps(rendered.manifests) + json.dumps(rendered.values)
    assert yaml.safe_load(objects["ConfigMap"]["data"]["campushub.yaml"])["jobs"]["db_url"] is None
    assert secrets.JOBS_DB.env not in rendered.values["hub"]["extraEnv"]


def test_a_sqlite_url_is_refused_naming_the_key():
    with pytest.raises(ConfigError) as e:
        render(_config(db_url="sqlite:////srv/jobs.sqlite"))
    assert e.value.key == "jobs.db_url"


def test_off_renders_nothing_of_it():
    rendered = render(validate({"kubernetes": {"images": {"registry": "registry.example.org/campus"}}}))
    assert not [m for m in rendered.manifests if m["metadata"]["name"].startswith(JOBS.name)]
    assert "jobs" not in rendered.values["hub"].get("services", {})


def test_job_pods_get_their_network_policy_in_the_release():
    # The chart's policy selects servers only; without this one a job's pod could reach anything.
    rendered = render(_config())
    policy = next(m for m in rendered.manifests if m["metadata"]["name"] == job_pods.POLICY_NAME)
    assert policy["spec"]["podSelector"]["matchLabels"] == job_pods.LABELS
    assert policy["spec"]["ingress"] == []
    assert_valid_manifest(policy)
