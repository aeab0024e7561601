"""Pods for chosen policy values, built and validated without a cluster.

There is no Kubernetes cluster where these tests run, so KubeSpawner is
constructed with _mock=True against a kubeconfig naming no reachable server,
and only builds the pod (get_pod_manifest) without sending it. The pod is
then checked against the Kubernetes API's own schema with kubernetes-validate
in strict mode, which catches misspelt or mistyped fields the way the API
server would. test_cluster.py sends the same pods to a real cluster as a
server-side dry run when one is available.

For every example configuration, representative users of each policy get
their pod and their home claim built as a Zero to JupyterHub release would
build them (chart_spawner.py), and both are validated.
"""

from __future__ import annotations

import asyncio
import copy
import json

import kubernetes_validate
import pytest
from kubernetes_asyncio.client import ApiClient

from campushub.deploy.kubernetes import apply_choice
from campushub.deploy.kubernetes.course_sync import NAME as COURSE_SYNC
from campushub.deploy.kubernetes.render.storage import HOME
from campushub.hub.courses import for_server
from campushub.hub.policy.spawner import policy_for_user
from campushub.hub.policy.types import Choice, Policy
from tests.harness import ROOT

from . import chart_spawner
from .cases import CASES, GIB, GPU_TOLERATION, SITE, Case
from .chart import CHART
from .examples import example as example_config
from .pods import container, make_spawner, manifest_for, pod_manifest, quantity

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")

# The oldest Kubernetes the Zero to JupyterHub chart supports (its
# Chart.yaml says kubeVersion >=1.28; test_oldest_version_is_the_charts
# keeps the two together), and the newest the validator knows. A field
# KubeSpawner or we add that 1.28 lacks would only fail on such clusters.
KUBERNETES_VERSIONS = ("1.28", kubernetes_validate.latest_version())
EXAMPLES = sorted((ROOT / "examples").glob("*/campushub.yaml"))
GPU = "nvidia.com/gpu"


def check_schema(manifest: dict) -> None:
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(manifest, version, strict=True)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_pod_carries_the_choice(case: Case):
    manifest = manifest_for(case.config, case.choice)
    check_schema(manifest)
    choice, resources, spec = case.choice, container(manifest)["resources"], manifest["spec"]
    assert quantity(resources["requests"]["cpu"]) == pytest.approx(choice.cpu_guarantee)
    assert quantity(resources["requests"]["memory"]) == choice.mem_guarantee
    assert quantity(resources["limits"]["cpu"]) == pytest.approx(choice.cpu_limit)
    assert quantity(resources["limits"]["memory"]) == choice.mem_limit
    if choice.gpus:
        assert quantity(resources["limits"][GPU]) == choice.gpus
        assert quantity(resources["requests"][GPU]) == choice.gpus
    else:
        assert GPU not in resources["limits"] and GPU not in resources["requests"]
    assert (spec.get("nodeSelector") or {}) == case.node_selector
    assert (spec.get("tolerations") or []) == case.tolerations
    assert container(manifest)["image"] == case.image


@pytest.mark.parametrize("breakage", [
    "misspelt field", "cpu limit as a list", "toleration seconds as text", "image as a number",
])
def test_validator_rejects_a_broken_pod(breakage: str):
    manifest = manifest_for(SITE, CASES["highmem-dev-tag"].choice)
    check_schema(manifest)  # the unbroken pod passes, so only the breakage can fail it
    broken = copy.deepcopy(manifest)
    if breakage == "misspelt field":
        broken["spec"]["nodeSelectr"] = broken["spec"].pop("nodeSelector")
    elif breakage == "cpu limit as a list":
        container(broken)["resources"]["limits"]["cpu"] = [2]
    elif breakage == "toleration seconds as text":
        broken["spec"]["tolerations"][0]["tolerationSeconds"] = "300"
    else:
        container(broken)["image"] = 42
    with pytest.raises(kubernetes_validate.ValidationError):
        check_schema(broken)


def test_a_later_start_drops_the_earlier_pool_but_keeps_the_deployments_own():
    # Zero to JupyterHub gives every user pod such a selector and toleration;
    # one spawner object is reused for every start of a server.
    z2jh_selector = {"hub.jupyter.org/node-purpose": "user"}
    z2jh_toleration = {"key": "hub.jupyter.org/dedicated", "operator": "Equal", "value": "user",
                       "effect": "NoSchedule"}
    small = Choice(1.0, 0.333, 2 * GIB, 2 * GIB, 0, "ds", "stable")

    async def two_starts():
        spawner = make_spawner(SITE, node_selector=z2jh_selector, tolerations=[z2jh_toleration],
                               extra_resource_limits={"example.com/fpga": 1})
        apply_choice(spawner, CASES["gpus-on-gpu-pool"].choice, SITE)
        first = await pod_manifest(spawner)
        apply_choice(spawner, small, SITE)
        return first, await pod_manifest(spawner)

    first, second = asyncio.run(two_starts())
    for manifest in first, second:
        check_schema(manifest)
    assert first["spec"]["nodeSelector"] == {**z2jh_selector, "cloud.google.com/gke-nodepool": "gpu"}
    assert first["spec"]["tolerations"] == [z2jh_toleration, GPU_TOLERATION]
    assert container(first)["resources"]["limits"][GPU] == 2
    assert second["spec"]["nodeSelector"] == z2jh_selector
    assert second["spec"]["tolerations"] == [z2jh_toleration]
    assert GPU not in container(second)["resources"]["limits"]
    assert container(second)["resources"]["limits"]["example.com/fpga"] == 1


def test_oldest_version_is_the_charts():
    chart = CHART / "Chart.yaml"
    if not chart.is_file():
        pytest.skip(f"Zero to JupyterHub chart files not found: {chart} (set CAMPUSHUB_Z2JH_CHART)")
    kube_version = next(line.split(":", 1)[1].strip().strip("\"'") for line in chart.read_text().splitlines()
                        if line.startswith("kubeVersion:"))
    assert kube_version.removesuffix("-0").removesuffix(".0") == f">={KUBERNETES_VERSIONS[0]}"


def _users() -> list[tuple[str, str | None]]:
    """(example, policy group or None for the default policy), for every example."""
    return [(path.parent.name, group) for path in EXAMPLES
            for group in [None, *example_config(path)["policies"]["groups"]]]


def _most(policy: Policy) -> dict:
    """The largest request the policy allows: the last environment and node pool it lists."""
    options = {"cpu": policy.cpu.max, "memory": int(policy.memory.max), "gpus": int(policy.gpus.max)}
    name, tag = policy.environments[-1]
    options["environment"] = f"{name}:{tag}"
    if policy.node_pools:
        options["node_pool"] = policy.node_pools[-1]
    return options


USERS = _users()  # once: each call parses every example


@pytest.mark.parametrize("example, group", USERS, ids=[f"{e}-{g or 'default'}" for e, g in USERS])
def test_every_policy_of_every_example_gives_valid_pods_and_claims(example, group):
    config = example_config(ROOT / "examples" / example / "campushub.yaml")
    # a learner of every course too, so that pods with course sync are among them
    groups = [g for g in [group] if g] + [c["learners_group"] for c in config["courses"].values()]
    release = chart_spawner.release_config(config)

    async def build():
        spawner = chart_spawner.spawner(config, release, "kim", groups, accept_language="ja")
        policy = policy_for_user(config, spawner.user)
        assert policy.groups == ((group,) if group else ())
        pods = []
        for options in {}, _most(policy):
            spawner.check_and_apply(options)
            pods.append((spawner.choice, await pod_manifest(spawner)))
        async with ApiClient() as api:
            claim = api.sanitize_for_serialization(spawner.get_pvc_manifest())
        return pods, claim, bool(for_server(spawner))

    pods, claim, has_courses = asyncio.run(build())
    check_schema(claim)
    kube = config["kubernetes"]
    assert claim["spec"]["resources"]["requests"]["storage"] == kube["storage_capacity"]
    assert claim["spec"].get("storageClassName") == kube["storage_class"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    for choice, pod in pods:
        check_schema(pod)
        resources = container(pod)["resources"]
        assert quantity(resources["limits"]["cpu"]) == pytest.approx(choice.cpu_limit)
        assert quantity(resources["limits"]["memory"]) == choice.mem_limit
        assert quantity(resources["limits"].get(GPU, 0)) == choice.gpus
        # the home is the user's own claim, mounted where the image keeps its home
        home = next(m for m in container(pod)["volumeMounts"] if m["mountPath"] == HOME)
        volume = next(v for v in pod["spec"]["volumes"] if v["name"] == home["name"])
        assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
        init = [c["name"] for c in pod["spec"].get("initContainers") or []]
        assert (COURSE_SYNC in init) == has_courses
        if COURSE_SYNC in init:
            assert init[-1] == COURSE_SYNC
        env = {e["name"]: e.get("value") for e in container(pod)["env"]}
        for origin in config["embedding"]["allowed_origins"]:  # literal JSON, not a KubeSpawner template
            assert origin in json.loads(env["CAMPUSHUB_TORNADO_SETTINGS"])["headers"]["Content-Security-Policy"]


def test_the_examples_include_a_pod_with_course_sync():
    assert any(spec.get("repo") for path in EXAMPLES for spec in example_config(path)["courses"].values())
