"""Shared volumes in a server's pod: mounted as the chart values say
(render/storage.py), writable only for the groups a volume names. The pod
is built by KubeSpawner without a cluster (dummy kubeconfig, _mock=True),
with the volumes the chart's hub config would set from those values."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from campushub.config import validate
from campushub.deploy.kubernetes import apply_choice
from campushub.deploy.kubernetes.render import storage

from .cases import CASES
from .chart import assert_valid_manifest
from .pods import make_spawner, pod_manifest

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
CHOICE = CASES["defaults"].choice  # the implicit environment: SITE names none
SITE = validate({"kubernetes": {"shared_volumes": {
    "course": {"mount_path": "/srv/course", "storage_class": "efs-sc", "writable_by": ["ml101-tutors"]},
    "projects": {"mount_path": "/srv/projects", "read_only": False, "existing_claim": "projects"},
    "library": {"mount_path": "/srv/library", "nfs": {"server": "10.0.0.5", "path": "/library"}},
}}})


def chart_traits(config: dict, as_list: bool) -> dict:
    """KubeSpawner.volumes and volume_mounts as the chart sets them from
    singleuser.storage.extraVolumes/extraVolumeMounts (it takes maps or lists)."""
    su = storage.values(config)["singleuser"]["storage"]
    if as_list:
        return {"volumes": list(su["extraVolumes"].values()), "volume_mounts": list(su["extraVolumeMounts"].values())}
    return {"volumes": su["extraVolumes"], "volume_mounts": su["extraVolumeMounts"]}


def mounts_for(groups_by_start: list[list[str]], as_list: bool = False) -> list[dict]:
    """The shared mounts (path -> read-only) of the pod of each start of one server."""
    async def starts():
        spawner = make_spawner(SITE, "kim", **chart_traits(SITE, as_list))
        out = []
        for groups in groups_by_start:
            spawner.user.groups = [SimpleNamespace(name=g) for g in groups]
            apply_choice(spawner, CHOICE, SITE)
            pod = await pod_manifest(spawner)
            assert_valid_manifest(pod)
            out.append({m["mountPath"]: m.get("readOnly", False) for m in pod["spec"]["containers"][0]["volumeMounts"]
                        if m["mountPath"].startswith("/srv/")})
        return out

    return asyncio.run(starts())


@pytest.mark.parametrize("as_list", [False, True])
def test_learners_read_course_content_and_tutors_write_it(as_list):
    learner, tutor = mounts_for([["ml101-learners"], ["ml101-learners", "ml101-tutors"]], as_list)
    assert learner == {"/srv/course": True, "/srv/projects": False, "/srv/library": True}
    assert tutor == {"/srv/course": False, "/srv/projects": False, "/srv/library": True}


def test_a_tutor_removed_from_the_group_reads_only_from_the_next_start():
    first, second = mounts_for([["ml101-tutors"], []])
    assert first["/srv/course"] is False and second["/srv/course"] is True


def test_the_pod_mounts_the_claims_the_values_name():
    async def build():
        spawner = make_spawner(SITE, "kim", **chart_traits(SITE, False))
        apply_choice(spawner, CHOICE, SITE)
        return await pod_manifest(spawner)

    pod = asyncio.run(build())
    claims = {v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"] if "persistentVolumeClaim" in v}
    made = {m["metadata"]["name"] for m in storage.manifests(SITE) if m["kind"] == "PersistentVolumeClaim"}
    assert claims == made | {"projects"}
