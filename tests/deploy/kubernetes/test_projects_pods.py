"""Project volumes in servers' pods (deploy/kubernetes/projects.py): a
member's pod mounts each of their projects' claims at
~/projects/<name>, a non-member's pod has no such mount, and an app (a
named server of a member) has it too.

No cluster runs here: the pods are built by KubeSpawner offline (dummy
kubeconfig, _mock=True) as a release's hub sets it up (chart_spawner.py),
and validated against the Kubernetes API schema."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from jupyterhub import orm as orm_model
from jupyterhub.objects import Hub
from kubernetes_asyncio.client import ApiClient

from campushub.config import validate
from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner

from .chart import assert_valid_manifest
from .chart_spawner import release_config

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
SITE = validate({"projects": {"kubernetes": {"storage_class": "efs-sc"}}})
PROJECTS = "/home/jovyan/projects/"


def group(name: str, owners=()) -> SimpleNamespace:
    """A hub group as the spawner sees it: a project's carries the property."""
    props = {"campushub_project": {"owners": list(owners), "title": name}} if owners is not None else {}
    return SimpleNamespace(name=name, properties=props)


def make(username: str, groups: list, server: str = "") -> CampusHubKubeSpawner:
    """Must run inside an event loop: KubeSpawner starts its API client there."""
    user = SimpleNamespace(name=username, id=1, url=f"/user/{username}/", admin=False, groups=groups, spawners={},
                           orm_spawners={})
    # a named server's name comes from its record (Spawner.name): one in no database
    orm = orm_model.Spawner(name=server) if server else None
    spawner = CampusHubKubeSpawner(_mock=True, user=user, hub=Hub(), config=release_config(SITE), orm_spawner=orm,
                                   namespace=SITE["kubernetes"]["namespace"])
    spawner.handler = SimpleNamespace(request=SimpleNamespace(headers={}))
    return spawner


def pod_of(username: str, groups: list, server: str = "", options: dict | None = None) -> dict:
    async def build():
        spawner = make(username, groups, server)
        spawner.check_and_apply(options or {})
        async with ApiClient() as api:
            return api.sanitize_for_serialization(await spawner.get_pod_manifest())

    pod = asyncio.run(build())
    assert_valid_manifest(pod)
    return pod


def project_mounts(pod: dict) -> dict[str, str]:
    """mount path -> claim, for the mounts under ~/projects."""
    claims = {v["name"]: (v.get("persistentVolumeClaim") or {}).get("claimName") for v in pod["spec"]["volumes"]}
    return {m["mountPath"]: claims[m["name"]] for m in pod["spec"]["containers"][0]["volumeMounts"]
            if m["mountPath"].startswith(PROJECTS)}


def test_a_member_gets_each_of_their_projects_and_keeps_the_home():
    pod = pod_of("bob", [group("churn-model", ["alice"]), group("pricing", ["bob"]), group("ml101-learners", None)])
    assert project_mounts(pod) == {PROJECTS + "churn-model": "project-churn-model",
                                   PROJECTS + "pricing": "project-pricing"}
    home = [m for m in pod["spec"]["containers"][0]["volumeMounts"] if m["mountPath"] == "/home/jovyan"]
    assert len(home) == 1  # the home claim the chart mounts is still there
    # all servers run as jovyan with the chart's fsGroup; no walk of a project's files at each start
    assert pod["spec"]["securityContext"]["fsGroup"] == 100
    assert pod["spec"]["securityContext"]["fsGroupChangePolicy"] == "OnRootMismatch"


def test_a_non_member_gets_no_project_mount():
    pod = pod_of("carol", [group("ml101-learners", None), group("analysts", None)])
    assert project_mounts(pod) == {}
    assert not [v for v in pod["spec"]["volumes"] if v["name"].startswith("campushub-project-")]
    assert "fsGroupChangePolicy" not in pod["spec"]["securityContext"]  # untouched without projects


def test_an_app_of_a_member_mounts_the_project_too():
    app = {"campushub_app": {"kind": "streamlit", "path": "projects/churn-model/app.py", "title": "Churn"}}
    pod = pod_of("alice", [group("churn-model", ["alice"])], server="app-churn", options=app)
    assert pod["metadata"]["annotations"]["hub.jupyter.org/servername"] == "app-churn"
    assert project_mounts(pod) == {PROJECTS + "churn-model": "project-churn-model"}


def test_a_group_with_an_unsafe_name_marked_as_project_is_not_mounted():
    # made by hand through the REST API: its name would become a path and a claim name
    pod = pod_of("mallory", [group("../../etc", ["mallory"]), group("Big-Project", ["mallory"])])
    assert project_mounts(pod) == {}


def test_membership_is_read_at_each_start_on_the_same_spawner():
    groups = [group("churn-model", ["alice"])]

    async def starts():
        spawner = make("bob", groups)
        spawner.check_and_apply({})
        out = []
        for _ in range(2):
            async with ApiClient() as api:
                out.append(project_mounts(api.sanitize_for_serialization(await spawner.get_pod_manifest())))
            groups.clear()  # removed from the project before the next start
        return out

    first, second = asyncio.run(starts())
    assert first == {PROJECTS + "churn-model": "project-churn-model"} and second == {}
