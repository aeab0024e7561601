"""After `campushub retention apply` deleted a home claim, the person's next
start makes a new one (deploy/kubernetes/home_claim.py) instead of waiting
for the claim KubeSpawner remembers in its state.

No cluster runs here: the spawner is built offline (offline kubeconfig,
_mock=True, dynamic home claims as Zero to JupyterHub sets them) and the one
API call it makes, reading the claim, is replaced by a stand-in that answers 404 (gone)
or the claim, and counts the calls."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from jupyterhub.objects import Hub
from kubernetes_asyncio.client.exceptions import ApiException
from kubespawner import KubeSpawner

from campushub.deploy.kubernetes.home_claim import forget_deleted_claim
from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner

from .pods import make_spawner

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
SITE = {"kubernetes": {"namespace": "campushub"}}


def run(claim_exists: bool, state: dict | None = None) -> tuple[bool, list[str], dict]:
    async def go():
        spawner = make_spawner(SITE, "kim", storage_pvc_ensure=True)
        spawner.load_state(state if state is not None else {"pvc_name": "claim-kim", "kubespawner_version": "7.1.0"})
        reads = []

        async def read(name, namespace):  # the stand-in for the API server
            reads.append(name)
            if not claim_exists:
                raise ApiException(status=404, reason="Not Found")
            return {"metadata": {"name": name}}

        spawner.api.read_namespaced_persistent_volume_claim = read
        await forget_deleted_claim(spawner)
        return spawner._pvc_exists, reads, spawner.get_state()

    return asyncio.run(go())


def test_a_deleted_claim_is_made_again_with_its_remembered_name():
    exists, reads, state = run(claim_exists=False, state={"pvc_name": "claim-kim-old", "kubespawner_version": "7.1.0"})
    assert reads == ["claim-kim-old"]
    # KubeSpawner's _start now creates the claim (its `not self._pvc_exists` branch)
    assert exists is False and "pvc_name" not in state


def test_an_existing_claim_is_kept_and_checked_once():
    exists, reads, state = run(claim_exists=True)
    assert exists is True and reads == ["claim-kim"] and state["pvc_name"] == "claim-kim"


def test_a_first_start_makes_no_extra_call():
    exists, reads, _ = run(claim_exists=False, state={})
    assert reads == [] and exists is False


def test_the_spawner_checks_before_kubespawner_starts(monkeypatch):
    seen = []

    async def kubespawner_start(self):  # the pod is not made: there is no cluster
        seen.append(self._pvc_exists)
        return "http://10.0.0.1:8888"

    monkeypatch.setattr(KubeSpawner, "_start", kubespawner_start)

    async def go():
        user = SimpleNamespace(name="kim", id=1, url="/user/kim/", groups=[], spawners={}, admin=False)
        spawner = CampusHubKubeSpawner(_mock=True, user=user, hub=Hub(), namespace="campushub", storage_pvc_ensure=True)
        spawner.load_state({"pvc_name": "claim-kim", "kubespawner_version": "7.1.0"})

        async def gone(name, namespace):
            raise ApiException(status=404, reason="Not Found")

        spawner.api.read_namespaced_persistent_volume_claim = gone
        return await spawner._start()

    assert asyncio.run(go()) == "http://10.0.0.1:8888"
    assert seen == [False]
