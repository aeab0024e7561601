"""A person's remote kernel pod on Kubernetes (deploy/kubernetes/remote_kernels.py
and render/kernel-pod.yaml.j2): the env the remote-kernels front sends,
rendered as Enterprise Gateway's launch_kubernetes.py renders our template
(kernel_pods.py), gives a pod the Kubernetes API schema accepts, with the
same claims and shared volumes as the person's own server pod, their
profile's size, GPUs and node pool, and nothing a name could inject.

No cluster is stood up: KubeSpawner builds the server pod offline (dummy
kubeconfig, _mock=True, as a release's hub sets it up) and
kubernetes-validate stands in for the API server."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
import yaml
from jupyterhub.objects import Hub
from kubernetes_asyncio.client import ApiClient
from kubespawner import KubeSpawner

from campushub.config import validate
from campushub.deploy.kubernetes.remote_kernels import home_claim, kernel_env
from campushub.deploy.kubernetes.render.gateway import KERNEL_LABELS
from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner
from campushub.hub.policy.choose import PolicyError
from campushub.remote_kernels import access

from .chart import assert_valid_manifest
from .chart_spawner import release_config
from .kernel_pods import KERNEL_ID, render_pod

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
SITE = validate({
    "policies": {
        "default": {"cpu": {"max": 2, "default": 1}, "memory": {"max": "4G", "default": "2G"}},
        "groups": {"ml": {"cpu": {"max": 8}, "memory": {"max": "32G"}, "gpus": {"max": 2},
                          "node_pools": ["gpu"]}}},
    "profiles": {"small": {"cpu": 2, "memory": "4G"},
                 "gpu": {"cpu": 8, "memory": "32G", "gpus": 1, "node_pool": "gpu", "groups": ["ml"]}},
    "remote_kernels": {"enabled": True},
    "projects": {"kubernetes": {"storage_class": "efs-sc"}},
    "kubernetes": {
        "namespace": "campus",
        "node_pools": {"gpu": {"node_selector": {"pool": "gpu"},
                               "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists",
                                                "effect": "NoSchedule"}]}},
        "shared_volumes": {
            "course": {"mount_path": "/srv/course", "storage_class": "efs-sc", "writable_by": ["ml101-tutors"]},
            "scratch": {"mount_path": "/srv/scratch", "read_only": False, "existing_claim": "scratch"},
            "ml-data": {"mount_path": "/srv/ml-data", "storage_class": "efs-sc", "mounted_for": ["ml"]}}},
})


def group(name: str, project: bool = False) -> SimpleNamespace:
    properties = {"campushub_project": {"owners": [], "title": name}} if project else {}
    return SimpleNamespace(name=name, properties=properties)


def server_pod(username: str, groups: list, options: dict) -> dict:
    async def build():
        user = SimpleNamespace(name=username, id=1, url=f"/user/{username}/", admin=False, groups=groups,
                               spawners={}, orm_spawners={})
        spawner = CampusHubKubeSpawner(_mock=True, user=user, hub=Hub(), config=release_config(SITE),
                                       namespace=SITE["kubernetes"]["namespace"])
        spawner.handler = SimpleNamespace(request=SimpleNamespace(headers={}))
        spawner.check_and_apply(options)
        async with ApiClient() as api:
            return api.sanitize_for_serialization(await spawner.get_pod_manifest())

    return asyncio.run(build())


def claims(pod: dict) -> dict[str, tuple]:
    """mount path -> (claim, read-only) of the first container's claim mounts, and scratch (emptyDir) ones."""
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    out = {}
    for mount in pod["spec"]["containers"][0]["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "persistentVolumeClaim" in volume:
            out[mount["mountPath"]] = (volume["persistentVolumeClaim"]["claimName"], bool(mount.get("readOnly")))
        elif (volume.get("emptyDir") or {}).get("medium") == "Memory":
            out[mount["mountPath"]] = ("memory", volume["emptyDir"]["sizeLimit"])
    return out


def kernel_pod(person: str, profile: str, groups: list[str], projects: list[str]) -> dict:
    pod = render_pod(kernel_env(SITE, person, profile, groups, projects))
    assert_valid_manifest(pod)
    return pod


def test_the_kernel_gets_the_claims_and_shared_volumes_of_the_persons_server():
    groups = [group("ml"), group("ml101-learners"), group("churn-model", project=True)]
    server = server_pod("bob", groups, {"cpu": 2, "memory": "4G"})
    pod = kernel_pod("bob", "small", ["ml", "ml101-learners", "churn-model"], ["churn-model"])
    ours, theirs = claims(pod), claims(server)
    assert ours == theirs  # home, project, shared volumes (read-only where the server's is), /tmp and /dev/shm
    assert ours["/home/jovyan"] == ("claim-bob", False)
    assert ours["/home/jovyan/projects/churn-model"] == ("project-churn-model", False)
    assert ours["/srv/course"] == ("campushub-shared-course", True)
    assert ours["/srv/ml-data"][0] == "campushub-shared-ml-data"
    # and runs as every server does
    assert pod["spec"]["securityContext"]["runAsUser"] == server["spec"]["containers"][0]["securityContext"][
        "runAsUser"] == 1000
    assert pod["spec"]["securityContext"]["fsGroup"] == server["spec"]["securityContext"]["fsGroup"] == 100


def test_someone_outside_a_project_or_group_gets_none_of_its_volumes():
    pod = kernel_pod("carol", "small", ["ml101-tutors"], [])
    mounts = claims(pod)
    assert mounts["/home/jovyan"] == ("claim-carol", False)
    assert not [p for p in mounts if p.startswith("/home/jovyan/projects")]
    assert "/srv/ml-data" not in mounts  # mounted_for ml only
    assert mounts["/srv/course"] == ("campushub-shared-course", False)  # a tutor writes it
    assert not [v for v in pod["spec"]["volumes"] if "claim-bob" in json.dumps(v)]


@pytest.mark.parametrize("name", ["alice", "007", "Ada.Lovelace@uni.example", "a" * 60, "x" * 46, "Éva"])
def test_the_home_claim_is_the_one_kubespawner_names(name):
    async def pvc():
        user = SimpleNamespace(name=name, id=1, url=f"/user/{name}/", admin=False)
        return KubeSpawner(_mock=True, user=user, hub=Hub(), namespace="campus").pvc_name

    assert home_claim(name) == asyncio.run(pvc())


def test_size_gpus_and_node_pool_come_from_the_profile_as_the_policy_allows_it():
    pod = kernel_pod("dana", "gpu", ["ml"], [])
    (container,) = pod["spec"]["containers"]
    resources = container["resources"]
    assert resources["limits"] == {"cpu": "8000m", "memory": str(32 * 2**30), "nvidia.com/gpu": "1"}
    # GPUs are not overcommitted: Kubernetes refuses a request other than the limit
    assert resources["requests"]["nvidia.com/gpu"] == "1"
    assert pod["spec"]["nodeSelector"] == {"pool": "gpu"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["spec"]["tolerations"]
    assert pod["metadata"]["labels"]["campushub-group"] == "ml"
    small = kernel_pod("dana", "small", ["ml"], [])["spec"]["containers"][0]["resources"]
    assert "nvidia.com/gpu" not in small["limits"] and "nvidia.com/gpu" not in small["requests"]


def test_a_profile_the_policy_refuses_or_that_does_not_exist_gives_no_env():
    with pytest.raises(PolicyError):
        kernel_env(SITE, "erin", "gpu", ["ml101-learners"], [])  # 8 CPUs, a GPU: over the default policy
    with pytest.raises(KeyError):
        kernel_env(SITE, "erin", "huge", [], [])


def test_eg_finds_the_pod_and_our_network_policy_selects_it():
    pod = kernel_pod("bob", "small", [], [])
    labels = pod["metadata"]["labels"]
    # KubernetesProcessProxy.get_container_status lists pods by kernel_id=<id>,component=kernel
    assert labels["kernel_id"] == KERNEL_ID and labels["component"] == "kernel"
    assert KERNEL_LABELS.items() <= labels.items()
    assert pod["metadata"]["name"] == f"kernel-bob-{KERNEL_ID}"
    assert pod["metadata"]["namespace"] == "campus"
    # no API token in a kernel, and EG's own never reaches its env
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert not [e for e in pod["spec"]["containers"][0]["env"] if "TOKEN" in e["name"]]


@pytest.mark.parametrize("name", ['{{ 7*7 }}', 'a: b\nc', '"quoted"', "yes", "null", "{% raw %}", "x' y"])
def test_a_name_cannot_inject_yaml_or_template_code(name):
    env = kernel_env(SITE, name, "small", [], ["../etc", "ok-project", "{{x}}"])
    # EG's launcher reads every KERNEL_* as YAML: the name it gets reads back as the name
    assert yaml.safe_load(env["KERNEL_USERNAME"]) == name
    pod = render_pod(env)
    assert_valid_manifest(pod)
    assert pod["metadata"]["annotations"]["hub.jupyter.org/username"] == name
    assert "49" not in pod["metadata"]["name"] and "{" not in pod["metadata"]["name"]
    paths = [m["mountPath"] for m in pod["spec"]["containers"][0]["volumeMounts"]]
    assert "/home/jovyan/projects/ok-project" in paths
    assert not [p for p in paths if ".." in p or "{" in p]  # names that are no project names are never paths
    assert set(pod["spec"]) >= {"containers", "volumes", "securityContext"}


def test_a_forged_start_request_reaches_no_pod():
    """Mallory's server sends KERNEL_* of its own choosing (EG would trust every one): another person's
    home and name, a namespace, an image, root, a node. The front rebuilds the env (remote_kernels/access.py)
    around kernel_env, and the pod EG's launcher renders is Mallory's own, as her policy allows."""
    forged = {"KERNEL_USERNAME": "bob", "KERNEL_OWNER": '"bob"', "KERNEL_NAMESPACE": "kube-system",
              "KERNEL_IMAGE": "evil/image", "KERNEL_UID": "0", "KERNEL_GID": "0", "KERNEL_POD_NAME": "bob-x",
              "KERNEL_VOLUMES": json.dumps([{"name": "v", "persistentVolumeClaim": {"claimName": "claim-bob"}}]),
              "KERNEL_VOLUME_MOUNTS": json.dumps([{"name": "v", "mountPath": "/home/jovyan"}]),
              "KERNEL_NODE_SELECTOR": '{"kubernetes.io/hostname": "gpu-1"}', "KERNEL_CPUS_LIMIT": "64",
              "KERNEL_LABELS": '{"campushub-group": "ml"}', "KERNEL_SERVICE_ACCOUNT_NAME": "campushub-gateway"}
    env = access.kernel_env(forged, "mallory",
                            access.deployment_env(SITE, "kubernetes", "mallory", "campushub-small", [], []))
    pod = render_pod(env)
    assert_valid_manifest(pod)
    mounts = claims(pod)
    assert mounts["/home/jovyan"] == ("claim-mallory", False)
    assert "bob" not in json.dumps(pod["spec"]["volumes"]) and "bob" not in pod["metadata"]["name"]
    assert pod["metadata"]["namespace"] == "campus" and pod["metadata"]["annotations"][
        "hub.jupyter.org/username"] == "mallory"
    assert pod["spec"]["securityContext"]["runAsUser"] == 1000 and pod["spec"]["serviceAccountName"] == \
        "campushub-kernel"
    (container,) = pod["spec"]["containers"]
    assert container["image"] != "evil/image" and container["resources"]["limits"]["cpu"] == "2000m"
    assert pod["spec"]["nodeSelector"] == {} and pod["metadata"]["labels"]["campushub-group"] == "default"
