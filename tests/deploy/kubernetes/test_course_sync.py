"""Course sync on Kubernetes: the pod a learner gets carries an init
container that syncs their courses (deploy/kubernetes/course_sync.py) and
sees the pod as the server does. Pods are built by KubeSpawner without a
cluster (dummy kubeconfig, _mock=True), configured as a Zero to JupyterHub
release would (chart_spawner.py); test_course_sync_run.py runs the
container's program for real."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from campushub.config import validate
from campushub.deploy.kubernetes.course_sync import NAME, PLAN_ENV
from campushub.deploy.kubernetes.render.images import USER_LOCK, builds
from campushub.deploy.kubernetes.render.storage import HOME

from . import chart_spawner
from .chart import assert_valid_manifest, chart_defaults
from .pods import container, pod_manifest

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
GPU = "nvidia.com/gpu"
SITE = validate({
    "courses": {
        "py101": {"learners_group": "py101", "tutors_group": "py101-tutors",
                  "repo": "https://git.example.org/courses/py101.git"},
        "stats": {"learners_group": "stats", "tutors_group": "stats-tutors",
                  "repo": "https://git.example.org/courses/stats.git", "branch": "2026", "target": "statistics"},
        "no-repo": {"learners_group": "py101", "tutors_group": "py101-tutors"},
    },
    "policies": {"groups": {"gpu": {"gpus": {"max": 1}}}},
})


def starts(groups: list[str], *options: dict, accept_language: str | None = None, config: dict = SITE) -> list[dict]:
    """The pods of successive starts of one server, each validated for the chart's Kubernetes versions."""
    async def build():
        spawner = chart_spawner.spawner(config, chart_spawner.release_config(config), "kim", groups, accept_language)
        out = []
        for choice in options or ({},):
            spawner.check_and_apply(choice)
            out.append(await pod_manifest(spawner))
        return out

    pods = asyncio.run(build())
    for pod in pods:
        assert_valid_manifest(pod)
    return pods


def init_containers(pod: dict) -> dict[str, dict]:
    return {c["name"]: c for c in pod["spec"].get("initContainers") or []}


def plan(pod: dict) -> dict:
    return json.loads(next(e["value"] for e in init_containers(pod)[NAME]["env"] if e["name"] == PLAN_ENV))


def test_a_learners_courses_are_synced_before_the_server_as_the_server_sees_the_pod():
    (pod,) = starts(["stats", "py101-tutors"], accept_language="ja")
    server, sync = container(pod), init_containers(pod)[NAME]
    # after the chart's own init container: its metadata block comes before any user code
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["block-cloud-metadata", NAME]
    assert sync["image"] == server["image"]
    assert sync["securityContext"] == server["securityContext"] and sync["securityContext"]["runAsUser"] == 1000
    assert sync["volumeMounts"] == server["volumeMounts"]
    assert sync.get("workingDir") == server.get("workingDir")  # the image's own: the home
    home = next(m for m in sync["volumeMounts"] if m["mountPath"] == HOME)
    claim = next(v for v in pod["spec"]["volumes"] if v["name"] == home["name"])["persistentVolumeClaim"]
    assert claim["claimName"] == "claim-kim"  # the user's own home claim, where the image has its home
    assert sync["resources"] == server["resources"]
    steps = plan(pod)
    assert [(c["name"], c["repo"], c["branch"], c["target"]) for c in steps["courses"]] == [
        ("py101", "https://git.example.org/courses/py101.git", "main", "py101"),
        ("stats", "https://git.example.org/courses/stats.git", "2026", "statistics")]
    assert steps["notice_file"] == "COURSE-SYNC-PROBLEM.txt" and steps["status_file"] == ".campushub/course-sync.json"
    assert steps["budget"] == chart_defaults()["singleuser"]["startTimeout"] // 2
    for course in steps["courses"]:
        assert "{reason}" in course["notice"] and course["target"] in course["notice"]
        assert "理由" in course["notice"]  # in the language of the request that started the server


def test_the_user_image_has_its_home_where_the_pod_mounts_it_and_what_the_sync_runs():
    (pod,) = starts(["py101"])
    sync = init_containers(pod)[NAME]
    build = next(b for b in builds(SITE) if b.ref == container(pod)["image"])
    last = {}
    for line in build.dockerfile.splitlines():
        if line.startswith(("WORKDIR ", "USER ")):
            last[line.split()[0]] = line.split()[1]
    assert "workingDir" not in sync  # so the image's WORKDIR, as for the server
    assert last["WORKDIR"] == HOME and HOME in [m["mountPath"] for m in sync["volumeMounts"]]
    assert last["USER"].split(":")[0] == str(sync["securityContext"]["runAsUser"])
    assert "\nnbgitpuller==" in build.files[USER_LOCK].decode()  # its gitpuller


def test_no_course_no_sync_container():
    (pod,) = starts(["somebody-else", "no-repo-only"])
    assert list(init_containers(pod)) == ["block-cloud-metadata"]


def test_the_sync_gets_no_gpu_nor_the_servers_token():
    (pod,) = starts(["py101", "gpu"], {"gpus": 1})
    server, sync = container(pod), init_containers(pod)[NAME]
    assert server["resources"]["limits"][GPU] == 1
    assert GPU not in sync["resources"]["limits"] and GPU not in sync["resources"]["requests"]
    assert sync["resources"]["limits"]["memory"] == server["resources"]["limits"]["memory"]
    assert {e["name"] for e in sync["env"]} == {PLAN_ENV}


def test_a_proxy_the_deployment_sets_reaches_git():
    config = validate({"courses": {"py101": {"learners_group": "py101", "tutors_group": "py101-tutors",
                                             "repo": "https://git.example.org/courses/py101.git"}}})
    c = chart_spawner.release_config(config)
    c.KubeSpawner.environment = {"HTTPS_PROXY": "http://proxy.example.org:3128", "SITE_SECRET": "x"}

    async def build():
        spawner = chart_spawner.spawner(config, c, "kim", ["py101"])
        spawner.check_and_apply({})
        return await pod_manifest(spawner)

    pod = asyncio.run(build())
    assert_valid_manifest(pod)
    env = {e["name"]: e.get("value") for e in init_containers(pod)[NAME]["env"]}
    assert env["HTTPS_PROXY"] == "http://proxy.example.org:3128" and "SITE_SECRET" not in env


def test_each_start_syncs_the_courses_of_the_groups_it_has_then():
    # one spawner object serves every start of a server
    async def build():
        spawner = chart_spawner.spawner(SITE, chart_spawner.release_config(SITE), "kim", ["py101"])
        out = []
        for groups in (["py101"], ["py101"], []):
            spawner.user.groups = [SimpleNamespace(name=g) for g in groups]
            spawner.check_and_apply({})
            out.append(await pod_manifest(spawner))
        return out

    pods = asyncio.run(build())
    for pod in pods:
        assert_valid_manifest(pod)
    assert [[c["name"] for c in pod["spec"]["initContainers"]] for pod in pods] == [
        ["block-cloud-metadata", NAME], ["block-cloud-metadata", NAME], ["block-cloud-metadata"]]
