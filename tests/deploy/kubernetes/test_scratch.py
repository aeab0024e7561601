"""Every server's pod gets a private /tmp and /dev/shm in memory, capped at
its memory limit and counted against it, and sees its memory and CPU
limits in MEM_LIMIT and CPU_LIMIT (what jupyter-resource-usage shows in
JupyterLab's status bar). Pods built offline; see test_manifests.py."""

from __future__ import annotations

import asyncio

import pytest

from campushub.deploy.kubernetes import apply_choice
from campushub.hub.policy.types import Choice

from .cases import GIB, SITE
from .pods import container, make_spawner, pod_manifest, quantity
from .test_manifests import check_schema

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")

HOME = {"name": "home", "persistentVolumeClaim": {"claimName": "claim-{username}"}}
HOME_MOUNT = {"name": "home", "mountPath": "/home/jovyan"}
# A deployment that had given pods a small /dev/shm of its own
OLD_SHM = {"name": "dshm", "emptyDir": {"medium": "Memory"}}
OLD_SHM_MOUNT = {"name": "dshm", "mountPath": "/dev/shm"}


def _starts(*choices: Choice, **traits) -> list[dict]:
    async def build():
        spawner = make_spawner(SITE, **traits)
        manifests = []
        for choice in choices:
            apply_choice(spawner, choice, SITE)
            manifests.append(await pod_manifest(spawner))
        return manifests
    return asyncio.run(build())


def _scratch(manifest: dict) -> dict[str, float]:
    """mount path -> sizeLimit of the Memory emptyDirs mounted there."""
    volumes = {v["name"]: v for v in manifest["spec"].get("volumes") or []}
    out = {}
    for mount in container(manifest).get("volumeMounts") or []:
        empty = volumes[mount["name"]].get("emptyDir")
        if empty is not None:
            assert empty.get("medium") == "Memory", empty
            out[mount["mountPath"]] = quantity(empty["sizeLimit"]) if "sizeLimit" in empty else None
    return out


@pytest.mark.parametrize("volumes_as", ["list", "dict"])
def test_tmp_and_shm_are_memory_capped_at_the_limit_and_follow_each_start(volumes_as):
    big, small = (Choice(2.0, 0.667, memory, memory, 0, "ds", "stable") for memory in (8 * GIB, 1 * GIB))
    if volumes_as == "list":
        traits = {"volumes": [HOME, OLD_SHM], "volume_mounts": [HOME_MOUNT, OLD_SHM_MOUNT]}
    else:
        traits = {"volumes": {"home": HOME, "dshm": OLD_SHM},
                  "volume_mounts": {"home": HOME_MOUNT, "dshm": OLD_SHM_MOUNT}}
    first, second = _starts(big, small, **traits)
    for manifest, choice in ((first, big), (second, small)):
        check_schema(manifest)
        assert _scratch(manifest) == {"/tmp": choice.mem_limit, "/dev/shm": choice.mem_limit}
        assert quantity(container(manifest)["resources"]["limits"]["memory"]) == choice.mem_limit
        # the deployment's home volume is kept; its own /dev/shm mount gave
        # way (its volume may stay: other containers of the pod may use it)
        mounts = container(manifest)["volumeMounts"]
        assert HOME_MOUNT in mounts and OLD_SHM_MOUNT not in mounts
        assert [m["mountPath"] for m in mounts].count("/dev/shm") == 1
        names = [v["name"] for v in manifest["spec"]["volumes"]]
        assert "home" in names and len(names) == len(set(names))


def test_limits_reach_the_server_for_jupyter_resource_usage():
    choice = Choice(1.5, 0.5, 3 * GIB, 2 * GIB, 0, "ds", "stable")
    (manifest,) = _starts(choice)
    env = {e["name"]: e.get("value") for e in container(manifest)["env"]}
    assert int(env["MEM_LIMIT"]) == 3 * GIB
    assert float(env["CPU_LIMIT"]) == 1.5
