"""Attack: reading or changing another project's data. Every shared volume
(kubernetes.shared_volumes) was mounted in every server, so a project
volume that its team writes (read_only: false) was writable by every
learner of the site, and each course's content readable by every other
course. kubernetes.shared_volumes.<name>.mounted_for now keeps a volume out
of the servers (and the course-sync init container) of everyone outside
those groups and writable_by, decided at each start; without it a volume
is mounted everywhere as before. The pods are the ones a Z2JH 4.4.0
release builds with our spawner, offline (dummy kubeconfig, _mock=True)."""

from __future__ import annotations

import asyncio

import pytest
from kubernetes_asyncio.client import ApiClient

from campushub.config import validate

from .chart import assert_valid_manifest
from .chart_spawner import release_config, spawner

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
SITE = validate({
    "courses": {"ml101": {"learners_group": "ml101", "tutors_group": "ml101-tutors",
                          "repo": "https://git.example.org/ml101.git"}},
    "kubernetes": {"namespace": "jhub", "shared_volumes": {
        "team-a": {"mount_path": "/srv/team-a", "read_only": False, "storage_class": "efs-sc",
                   "mounted_for": ["team-a"]},
        "ml101": {"mount_path": "/srv/ml101", "storage_class": "efs-sc", "mounted_for": ["ml101"],
                  "writable_by": ["ml101-tutors"]},
        "library": {"mount_path": "/srv/library", "storage_class": "efs-sc"},
    }},
})


def shared_mounts(groups: list[str]) -> dict[str, dict]:
    """container name -> {shared mount path: read-only} in the pod of a person in `groups`."""
    async def build():
        s = spawner(SITE, release_config(SITE), "kim", groups)
        s.check_and_apply({})
        pod = await s.get_pod_manifest()
        async with ApiClient() as api:
            return api.sanitize_for_serialization(pod)

    pod = asyncio.run(build())
    assert_valid_manifest(pod)
    return {c["name"]: {m["mountPath"]: bool(m.get("readOnly")) for m in c.get("volumeMounts", [])
                        if m["mountPath"].startswith("/srv/")}
            for c in [*pod["spec"].get("initContainers", []), *pod["spec"]["containers"]]}


def test_a_learner_outside_the_team_gets_neither_its_project_nor_other_courses():
    mounts = shared_mounts(["ml101"])
    assert mounts["notebook"] == {"/srv/ml101": True, "/srv/library": True}
    assert mounts["campushub-course-sync"] == mounts["notebook"]


def test_the_team_writes_its_project_and_tutors_their_course():
    assert shared_mounts(["team-a"])["notebook"] == {"/srv/team-a": False, "/srv/library": True}
    assert shared_mounts(["ml101-tutors"])["notebook"] == {"/srv/ml101": False, "/srv/library": True}


def test_someone_in_no_group_gets_only_the_volumes_for_everyone():
    assert shared_mounts([])["notebook"] == {"/srv/library": True}
