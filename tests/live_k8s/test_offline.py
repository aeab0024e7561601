"""The live test's parts that need no cluster, run in the fast tier: the
skip without a cluster, the test configuration rendered and accepted by the
chart's schema, the objects and the helm command line it would use."""

from __future__ import annotations

import importlib
import shlex
from pathlib import Path

import pytest

from campushub.config import validate
from campushub.deploy.kubernetes.secrets import HUB_DB

from ..deploy.kubernetes.chart import assert_chart_accepts, assert_valid_manifest, helm_merge
from . import postgres
from .helm import CHART_ENV, install_command
from .images import absent
from .release import TEST_VALUES, Release, render, secret_manifests, secret_refs
from .requirements import missing, require_cluster, skip_reason
from .site import expected_choice, site_config, write_config

READY = {"CAMPUSHUB_K8S_TEST": "1"}


def test_missing_names_everything_at_once(tmp_path):
    assert missing({}, which=lambda tool: None) == [
        "CAMPUSHUB_K8S_TEST=1", "KUBECONFIG", "helm on PATH", "kubectl on PATH"]
    assert missing({"KUBECONFIG": str(tmp_path / "nothing")}, which=lambda tool: "/usr/bin/" + tool) == [
        "CAMPUSHUB_K8S_TEST=1", f"KUBECONFIG naming a kubeconfig file (now {str(tmp_path / 'nothing')!r})"]
    reason = skip_reason(["CAMPUSHUB_K8S_TEST=1", "helm on PATH"])
    assert "\n" not in reason and "CAMPUSHUB_K8S_TEST=1, helm on PATH" in reason


def test_the_cluster_is_asked_only_when_all_else_is_there(tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    environ = {**READY, "KUBECONFIG": str(kubeconfig)}
    asked = []

    def refused(path):
        asked.append(path)
        return "ConnectionRefusedError: refused"

    assert missing({"KUBECONFIG": str(kubeconfig)}, which=lambda tool: tool, reach=refused) == [
        "CAMPUSHUB_K8S_TEST=1"]
    assert asked == []
    assert missing(environ, which=lambda tool: tool, reach=refused) == [
        "a reachable cluster (ConnectionRefusedError: refused)"]
    assert asked == [str(kubeconfig)]
    assert missing(environ, which=lambda tool: tool, reach=lambda path: None) == []


def test_without_a_cluster_the_live_tests_skip_with_one_reason():
    # The session fixture `cluster`, which every live test needs first, does this.
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_cluster({"KUBECONFIG": ""})
    assert str(skipped.value).startswith("live Kubernetes test (tests/live_k8s/README.md) needs CAMPUSHUB_K8S_TEST=1")
    assert "nothing was installed" in str(skipped.value)



def test_every_live_test_module_is_marked_kubernetes_and_stack():
    # so that the fast tier (-m "not stack") leaves them out, a later service's file too
    live = [p.stem for p in Path(__file__).parent.glob("test_*.py") if p.stem != "test_offline"]
    assert "test_spawn" in live
    for name in live:
        module = importlib.import_module(f"{__package__}.{name}")
        marks = {m.name for m in getattr(module, "pytestmark", [])}
        assert marks >= {"kubernetes", "stack"}, f"{name}.py: pytestmark lacks kubernetes or stack"


NAMESPACE = "campushub-live-0123abcd"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Release:
    work = tmp_path_factory.mktemp("render")
    render(write_config(work / "campushub.yaml", NAMESPACE), work / "out")
    return Release(validate(site_config(NAMESPACE)), work / "out")


def test_the_test_config_renders_values_the_chart_accepts(rendered):
    merged = helm_merge(rendered.values, TEST_VALUES)
    assert_chart_accepts(merged)
    assert merged["proxy"]["service"]["type"] == "ClusterIP"


def test_the_secrets_it_creates_are_those_the_values_read(rendered):
    values = rendered.values
    refs = secret_refs(values)
    assert any(env == HUB_DB.env for env, *_ in refs), refs
    objects = secret_manifests(values, {HUB_DB.env: postgres.url("pw")})
    readme = (rendered.out_dir / "README.md").read_text()
    for secret in objects:
        assert_valid_manifest({**secret, "metadata": {**secret["metadata"], "namespace": "x"}})
        assert secret["metadata"]["name"] in readme, f"README does not say to create {secret['metadata']['name']}"
    wanted = {(name, key) for _, name, key, optional in refs if not optional}
    made = {(s["metadata"]["name"], key) for s in objects for key in s["stringData"]}
    assert wanted <= made
    for obj in postgres.manifests("pw"):
        assert_valid_manifest(obj)
    for obj in rendered.manifests():
        assert_valid_manifest(obj)


def test_a_secret_the_test_cannot_fill_fails_with_its_name():
    values = {"hub": {"extraEnv": [
        {"name": "CAMPUSHUB_OIDC_CLIENT_SECRET",
         "valueFrom": {"secretKeyRef": {"name": "campushub", "key": "oidc-client-secret"}}},
        {"name": "OPTIONAL", "valueFrom": {"secretKeyRef": {"name": "x", "key": "y", "optional": True}}},
        {"name": "PLAIN", "value": "1"}]}}
    assert secret_refs(values) == [("CAMPUSHUB_OIDC_CLIENT_SECRET", "campushub", "oidc-client-secret", False),
                                   ("OPTIONAL", "x", "y", True)]
    with pytest.raises(AssertionError, match="CAMPUSHUB_OIDC_CLIENT_SECRET from Secret campushub"):
        secret_manifests(values, {})
    as_map = {"hub": {"extraEnv": {"A": {"valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}}}}
    assert secret_manifests(as_map, {"A": "v"})[0]["stringData"] == {"k": "v"}


def test_the_helm_command_is_the_readmes_with_the_test_values_and_wait(rendered, tmp_path):
    values, overlay = rendered.out_dir / "values.yaml", tmp_path / "test.yaml"
    command = install_command(rendered.config, [values, overlay], environ={})
    assert command == [
        "helm", "upgrade", "--install", "campushub", "jupyterhub", "--repo", "https://hub.jupyter.org/helm-chart/",
        "--version", "4.4.0", "--namespace", NAMESPACE, "--values", str(values),
        "--values", str(overlay), "--wait", "--timeout", "15m"]
    readme = (rendered.out_dir / "README.md").read_text()
    assert shlex.join(command[:command.index("--values") + 1]) in readme, "not the README's helm command"
    local = install_command(rendered.config, [values], environ={CHART_ENV: "/charts/jupyterhub-4.4.0.tgz"})
    assert local[:5] == ["helm", "upgrade", "--install", "campushub", "/charts/jupyterhub-4.4.0.tgz"]
    assert "--repo" not in local and "--version" not in local


def test_the_choice_differs_from_the_policy_default():
    # A pod that got the defaults instead of the choice must fail the live test.
    choice = expected_choice("ns")
    assert (choice.cpu_limit, choice.mem_limit) == (0.25, 384 * 2**20)
    assert (choice.cpu_guarantee, choice.mem_guarantee) == (0.125, 192 * 2**20)


def test_an_image_never_loaded_is_named_before_helm_waits_for_it():
    kind_node = ["docker.io/library/campushub-hub:0.1.0-abc", "registry.k8s.io/pause:3.10",
                 "docker.io/kindest/kindnetd:v2"]
    assert absent(["campushub-hub:0.1.0-abc", "registry.k8s.io/pause:3.10"], [kind_node]) == []
    assert absent(["campushub-user:python-default-1", "kindest/kindnetd:v2"], [kind_node, []]) == [
        "campushub-user:python-default-1"]
    # a node listing as many images as the kubelet reports may hold more: no verdict
    assert absent(["campushub-user:x"], [[f"img{i}:1" for i in range(50)]]) == []
