"""The Kubernetes API calls of retention (deploy/kubernetes/retention_api.py)
and the wait for a Job (retention_steps.py).

No cluster runs here: the client's API methods are replaced by stand-ins
that record their arguments and answer as the API server would (objects,
404, 409), and the tests assert what is asked of the API: which claims are
listed, that a claim is deleted only with its uid as precondition, that a
failing call is one line naming what failed."""

from __future__ import annotations

import asyncio

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from campushub.deploy.kubernetes import retention_steps as steps
from campushub.deploy.kubernetes.retention_api import Cluster, ClusterError

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")


class Recorder:
    def __init__(self, answers: dict):
        self.answers, self.calls = answers, []

    def __getattr__(self, name):
        async def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            answer = self.answers[name]
            if isinstance(answer, Exception):
                raise answer
            return answer
        return call


def cluster_with(answers: dict) -> tuple[Cluster, Recorder]:
    cluster = Cluster("campushub", client.ApiClient(client.Configuration()))
    recorder = Recorder(answers)
    cluster._core = cluster._batch = recorder
    return cluster, recorder


def run(coro_of):
    async def go():
        cluster, recorder = cluster_with(coro_of[0])
        try:
            return await coro_of[1](cluster), recorder
        finally:
            await cluster.close()
    return asyncio.run(go())


def test_claims_are_kubespawners_and_a_claim_is_deleted_only_with_its_uid():
    claim = client.V1PersistentVolumeClaim(metadata=client.V1ObjectMeta(name="claim-ann", uid="u-1"))

    async def go(cluster):
        listed = await cluster.home_claims()
        await cluster.delete_claim("claim-ann", "u-1")
        return listed

    listed, recorder = run(({"list_namespaced_persistent_volume_claim": client.V1PersistentVolumeClaimList(
        items=[claim]), "delete_namespaced_persistent_volume_claim": None}, go))
    assert listed == [{"metadata": {"name": "claim-ann", "uid": "u-1"}}]
    (_, args, kwargs), (_, dargs, dkwargs) = recorder.calls
    assert args == ("campushub",) and kwargs == {"label_selector": "component=singleuser-storage"}
    assert dargs == ("claim-ann", "campushub") and dkwargs["body"].preconditions.uid == "u-1"


def test_a_refused_call_is_one_line_and_a_missing_claim_is_none():
    async def go(cluster):
        gone = await cluster.claim("claim-ann")
        with pytest.raises(ClusterError) as refused:
            await cluster.delete_claim("claim-ann", "u-1")
        return gone, str(refused.value)

    (gone, message), _ = run(({
        "read_namespaced_persistent_volume_claim": ApiException(status=404, reason="Not Found"),
        "delete_namespaced_persistent_volume_claim": ApiException(status=409, reason="Conflict")}, go))
    assert gone is None
    assert message == "deleting claim claim-ann in namespace campushub: 409 Conflict" and "\n" not in message


def test_the_jobs_image_is_the_running_hubs():
    def pod(phase, image):
        return client.V1Pod(spec=client.V1PodSpec(containers=[client.V1Container(name="hub", image=image)]),
                            status=client.V1PodStatus(phase=phase))

    (image, recorder) = run(({"list_namespaced_pod": client.V1PodList(items=[
        pod("Pending", "hub:new"), pod("Running", "hub:running")])}, lambda c: c.hub_image("campushub")))
    assert image == "hub:running"
    assert recorder.calls[0][2] == {"label_selector": "component=hub,release=campushub"}


def test_connect_reads_the_kubeconfig_and_says_when_there_is_none(monkeypatch, tmp_path):
    async def go():
        cluster = await Cluster.connect("campushub")
        host = cluster._api.configuration.host
        await cluster.close()
        return host

    assert asyncio.run(go()) == "https://127.0.0.1:1"  # the offline kubeconfig's server
    import kubernetes_asyncio.config.kube_config as kube_config

    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(tmp_path / "none"))
    with pytest.raises(ClusterError, match="set KUBECONFIG"):
        asyncio.run(go())


class Jobs:
    """A stand-in Cluster for retention_steps.run: a Job ends as told."""

    namespace = "campushub"

    def __init__(self, status: dict | None, log: str):
        self.status, self.log, self.deleted = status, log, []

    async def create_job(self, manifest):
        pass

    async def job(self, name):
        return {"status": self.status}

    async def job_pods(self, name):
        return [{"metadata": {"name": "p"}}]

    async def pod_log(self, name):
        return self.log

    async def delete_job(self, name):
        self.deleted.append(name)


JOB = {"metadata": {"name": "campushub-verify-claim-ann-0123456789"}}


def test_a_finished_job_gives_its_result_line_and_is_removed():
    jobs = Jobs({"succeeded": 1}, 'some warning\n{"ok": true, "files": 3}\n')
    assert asyncio.run(steps.run(jobs, JOB, 60, poll=0)) == {"ok": True, "files": 3}
    assert jobs.deleted == [JOB["metadata"]["name"]]


def test_a_failed_job_says_why_and_is_kept_for_its_log():
    jobs = Jobs({"failed": 1}, 'Traceback...\n{"ok": false, "reason": "archive.tar.gz cannot be read back"}\n')
    with pytest.raises(steps.StepFailed, match="cannot be read back.*kubectl -n campushub logs job/"):
        asyncio.run(steps.run(jobs, JOB, 60, poll=0))
    assert jobs.deleted == []
    # a Job that ended well but left no result line is not a success either
    with pytest.raises(steps.StepFailed):
        asyncio.run(steps.run(Jobs({"succeeded": 1}, "no json here\n"), JOB, 60, poll=0))


def test_a_job_that_never_ends_is_given_up_after_its_deadline(monkeypatch):
    monkeypatch.setattr(steps, "GRACE", 0)
    jobs = Jobs({"active": 1}, "")
    with pytest.raises(steps.StepFailed, match="did not finish within 0 s.*describe job"):
        asyncio.run(steps.run(jobs, JOB, 0, poll=0))
    assert jobs.deleted == []
