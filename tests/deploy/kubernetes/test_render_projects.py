"""`campushub k8s render` and projects (render/projects.py): the claim of
each declared project is written to manifests.yaml, valid for the oldest
and newest Kubernetes the chart runs on, and the chart values stay valid
against the chart's own schema. Offline: no cluster, kubernetes-validate
and the chart's values.schema.yaml."""

from __future__ import annotations

import pytest
import yaml

from campushub.config import validate
from campushub.config.errors import ConfigError
from campushub.deploy.kubernetes.render import output
from campushub.deploy.kubernetes.render.values import render

from .chart import assert_chart_accepts, assert_valid_manifest

DECLARED = {"churn-model": {"title": "Churn model", "owners": ["alice"], "members": ["bob"]},
            "pricing": {"owners": ["carol"]}}


def claims(manifests: list[dict]) -> dict[str, dict]:
    return {m["metadata"]["name"]: m for m in manifests
            if m["kind"] == "PersistentVolumeClaim" and m["metadata"]["name"].startswith("project-")}


def test_declared_projects_get_valid_claims_in_the_release(tmp_path):
    config = validate({"kubernetes": {"namespace": "analytics-hub"},
                       "projects": {"declared": DECLARED, "kubernetes": {"storage_class": "efs-sc", "size": "200Gi"}}})
    rendered = render(config)
    assert_chart_accepts(rendered.values)
    made = claims(rendered.manifests)
    assert sorted(made) == ["project-churn-model", "project-pricing"]
    for name, manifest in made.items():
        assert_valid_manifest(manifest)
        assert manifest["metadata"]["namespace"] == "analytics-hub"
        assert manifest["metadata"]["labels"]["campushub/project"] == name.removeprefix("project-")
        assert manifest["spec"] == {"accessModes": ["ReadWriteMany"], "storageClassName": "efs-sc",
                                    "resources": {"requests": {"storage": "200Gi"}}}
    # the same objects, as written for `kubectl apply`
    output.write(config, tmp_path / "release")
    written = list(yaml.safe_load_all((tmp_path / "release" / output.MANIFESTS).read_text()))
    assert claims(written) == made
    assert "archive-project" in (tmp_path / "release" / "README.md").read_text()


def test_the_default_class_is_left_to_the_cluster():
    config = validate({"projects": {"declared": DECLARED, "kubernetes": {"access_mode": "ReadWriteOnce"}}})
    made = claims(render(config).manifests)["project-pricing"]
    assert_valid_manifest(made)
    # an explicit "" would ask for no class at all (static binding), not the default one
    assert "storageClassName" not in made["spec"] and made["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_without_declared_projects_no_claim_is_written():
    rendered = render(validate({}))
    assert claims(rendered.manifests) == {}
    assert_chart_accepts(rendered.values)


@pytest.mark.parametrize("path", ["/home/jovyan/projects", "/home/jovyan/projects/churn-model"])
def test_a_shared_volume_over_the_project_mounts_is_refused(path):
    config = validate({"kubernetes": {"shared_volumes": {"data": {"mount_path": path, "storage_class": "efs"}}}})
    with pytest.raises(ConfigError, match="kubernetes.shared_volumes.data.mount_path: .* project volumes"):
        render(config)
