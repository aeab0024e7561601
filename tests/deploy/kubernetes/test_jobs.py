"""Notebook jobs on Kubernetes (deploy/kubernetes/jobs.py, job_pod.py). There is no cluster where
the tests run: the Kubernetes API is stood in by JobsStandIn below, which checks every Job it is
given against the API's schema (kubernetes-validate, strict, oldest and newest Kubernetes the
chart runs on) and whose Jobs' and pods' states the tests set as the API would report them."""

from __future__ import annotations

import asyncio
import json

import pytest

from campushub.config import validate
from campushub.deploy.kubernetes import job_pod
from campushub.deploy.kubernetes.jobs import KubernetesBackend
from campushub.deploy.kubernetes.remote_kernels import USER_POD_TOLERATIONS, home_claim
from campushub.deploy.kubernetes.render.job_pods import LABELS, network_policy
from campushub.deploy.kubernetes.render.network import server_egress
from campushub.deploy.kubernetes.render.projects import claim_name as project_claim
from campushub.jobs import backend as api
from campushub.jobs import model

from .cases import CASES, GIB
from .chart import assert_valid_manifest

SHARED = validate({"kubernetes": {"namespace": "jhub", "shared_volumes": {
    "course": {"mount_path": "/srv/course", "storage_class": "efs-sc", "writable_by": ["ml101-tutors"]},
    "cohort": {"mount_path": "/srv/cohort", "storage_class": "efs-sc", "mounted_for": ["cohort-a"]},
}}})


class JobsStandIn:
    """The few API calls of retention_api.Cluster the backend makes, in memory (no cluster here)."""

    namespace = "jhub"

    def __init__(self):
        self.jobs: dict[str, dict] = {}
        self.pods: dict[str, list[dict]] = {}
        self.deleted: list[str] = []

    async def create_job(self, manifest: dict) -> None:
        assert_valid_manifest(manifest)
        self.jobs[manifest["metadata"]["name"]] = {**manifest, "status": {"active": 1}}
        self.pods[manifest["metadata"]["name"]] = []

    async def job_or_none(self, name: str) -> dict | None:
        return self.jobs.get(name)

    async def job_pods(self, name: str) -> list[dict]:
        return self.pods.get(name, [])

    async def delete_job(self, name: str) -> None:
        self.jobs.pop(name)
        self.deleted.append(name)

    # -- what the tests make the "cluster" report --------------------------------------
    def container(self, name: str, state: dict) -> None:
        self.pods[name] = [{"status": {"containerStatuses": [{"name": job_pod.CONTAINER, "state": state}]}}]

    def end(self, name: str, ok: bool, **terminated) -> None:
        self.jobs[name]["status"] = {"succeeded": 1} if ok else {
            "failed": 1, "conditions": [{"type": "Failed", "status": "True", "message": "Job has reached the "
                                         "specified backoff limit"}]}
        self.container(name, {"terminated": {"startedAt": "2026-12-01T10:00:00+00:00",
                                             "finishedAt": "2026-12-01T10:02:30+00:00", **terminated}})


def a_job(**parameters) -> model.Job:
    return model.Job(id=model.new_id(), owner="alice@example.org", notebook="work/train.ipynb",
                     parameters=parameters)


def start(cluster, config=None, case="defaults", groups=(), projects=()):
    config = config or CASES[case].config
    backend = KubernetesBackend(config, cluster)
    job = a_job(lr=0.1)
    person = api.Person("alice@example.org", tuple(groups), tuple(projects))
    job.handle = backend.start(job, CASES[case].choice, person)
    return backend, job


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_job_is_valid_and_sized_and_placed_like_the_persons_server(case):
    cluster = JobsStandIn()  # validates what it is given
    _, job = start(cluster, case=case)
    manifest = cluster.jobs[job.handle]
    want = CASES[case]
    pod = manifest["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"] == want.image
    assert container["resources"]["limits"]["memory"] == str(want.choice.mem_limit)
    assert container["resources"]["requests"]["memory"] == str(want.choice.mem_guarantee)
    gpus = container["resources"]["limits"].get("nvidia.com/gpu")
    assert gpus == (str(want.choice.gpus) if want.choice.gpus else None)
    assert pod.get("nodeSelector", {}) == want.node_selector
    assert pod["tolerations"] == [*USER_POD_TOLERATIONS, *want.tolerations]
    assert manifest["spec"]["backoffLimit"] == 0 and pod["restartPolicy"] == "Never"
    # as the person's server: uid 1000, group 100, nothing to escalate to, no API token in the pod
    assert pod["securityContext"]["runAsUser"] == 1000 and pod["securityContext"]["runAsGroup"] == 100
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert pod["automountServiceAccountToken"] is False
    assert manifest["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "notebook-job"
    # the runner, with what to run, reporting through the termination message
    assert container["args"][:3] == ["python3", "-I", "-c"] and "papermill" in container["args"][3]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert json.loads(env["CAMPUSHUB_JOB"]) == {"id": job.id, "notebook": "work/train.ipynb",
                                                "parameters": {"lr": 0.1}}
    assert env["CAMPUSHUB_JOB_REPORT_FILE"] == container["terminationMessagePath"]


def test_the_job_has_the_volumes_of_the_persons_server():
    cluster = JobsStandIn()
    _, job = start(cluster, config=SHARED, groups=["ml101-tutors"], projects=["genomics"])
    pod = cluster.jobs[job.handle]["spec"]["template"]["spec"]
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]
              if "persistentVolumeClaim" in v}
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    assert claims["home"] == home_claim("alice@example.org") and mounts["/home/jovyan"]["name"] == "home"
    assert project_claim("genomics") in claims.values() and "/home/jovyan/projects/genomics" in mounts
    assert mounts["/srv/course"]["readOnly"] is False  # a tutor writes the course volume
    assert "/srv/cohort" not in mounts  # mounted_for another group
    assert {"/tmp", "/dev/shm"} <= set(mounts)
    memory = [v for v in pod["volumes"] if v["name"] in ("campushub-tmp", "campushub-shm")]
    assert all(v["emptyDir"] == {"medium": "Memory", "sizeLimit": str(2 * GIB)} for v in memory)
    # a learner: the course volume read-only
    _, learner_job = start(cluster, config=SHARED)
    learner = {m["mountPath"]: m for m in
               cluster.jobs[learner_job.handle]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]}
    assert learner["/srv/course"]["readOnly"] is True and not any("/projects/" in p for p in learner)


def test_a_failing_cell_comes_from_the_runners_report():
    cluster = JobsStandIn()
    backend, job = start(cluster)
    assert backend.poll(job) is None  # running
    report = {"state": "failed", "exit_code": 1, "failed_cell": 2, "error": "cell 2: ZeroDivisionError: division",
              "duration_s": 12.5, "peak_memory": 300 * 2**20}
    cluster.end(job.handle, ok=False, exitCode=1, reason="Error", message=json.dumps(report))
    outcome = backend.poll(job)
    assert (outcome.state, outcome.failed_cell, outcome.exit_code) == ("failed", 2, 1)
    assert outcome.peak_memory == 300 * 2**20 and "ZeroDivisionError" in outcome.error


def test_a_runner_killed_by_the_memory_limit_is_oom():
    cluster = JobsStandIn()
    backend, job = start(cluster)
    cluster.end(job.handle, ok=False, exitCode=137, reason="OOMKilled")  # no report: the runner itself died
    outcome = backend.poll(job)
    assert outcome.state == "oom" and outcome.exit_code == 137 and "memory" in outcome.error
    assert outcome.duration_s == 150.0


def test_a_succeeded_job_without_a_report_and_one_the_runner_says_was_oom():
    cluster = JobsStandIn()
    backend, job = start(cluster)
    cluster.end(job.handle, ok=True, exitCode=0, reason="Completed")
    assert backend.poll(job).state == "succeeded"
    backend, other = start(cluster)
    cluster.end(other.handle, ok=False, exitCode=3, reason="Error",
                message=json.dumps({"state": "oom", "exit_code": 3, "error": "more memory than its limit"}))
    assert backend.poll(other).state == "oom"  # a kernel killed in the container, the runner alive


def test_a_pod_that_cannot_start_fails_the_job_and_is_removed():
    cluster = JobsStandIn()
    backend, job = start(cluster)
    cluster.container(job.handle, {"waiting": {"reason": "ContainerCreating"}})
    assert backend.poll(job) is None
    cluster.container(job.handle, {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}})
    outcome = backend.poll(job)
    assert outcome.state == "failed" and "ImagePullBackOff" in outcome.error
    assert job.handle in cluster.deleted


def test_cancel_adopt_and_a_job_gone():
    cluster = JobsStandIn()
    backend, job = start(cluster)
    assert backend.adopt(job)
    job.handle = None  # the service stopped before storing it: the name follows from the id
    assert backend.adopt(job)
    backend.cancel(job)
    assert job_pod.job_name(job.id) in cluster.deleted
    backend.cancel(job)  # gone: quiet
    assert not backend.adopt(job)
    assert backend.poll(job).state == "lost"


def test_a_refusal_of_the_api_is_one_line():
    class Refusing(JobsStandIn):
        async def create_job(self, manifest):
            from campushub.deploy.kubernetes.retention_api import ClusterError

            raise ClusterError("creating job x in namespace jhub: 403 Forbidden")

    with pytest.raises(api.BackendError, match="403 Forbidden"):
        start(Refusing())


def test_the_job_pods_network_policy():
    policy = network_policy(SHARED)
    assert_valid_manifest(policy)
    assert policy["spec"]["podSelector"]["matchLabels"] == LABELS
    # a job reaches what the person's server may reach (the chart's rules, ours on top), and serves nothing
    assert policy["spec"]["ingress"] == [] and policy["spec"]["egress"] == server_egress(SHARED)


def test_no_event_loop_is_left_behind():
    cluster = JobsStandIn()
    backend, job = start(cluster)
    backend.poll(job)
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()


def test_homes_are_shared_between_nodes_when_jobs_are_on():
    # a job's pod mounts the home beside the person's server, maybe on another node (a GPU pool)
    from campushub.deploy.kubernetes.render.storage import values

    modes = values(validate({"jobs": {"enabled": True}}))["singleuser"]["storage"]["dynamic"]["storageAccessModes"]
    assert modes == ["ReadWriteMany"]
    assert values(validate({}))["singleuser"]["storage"]["dynamic"]["storageAccessModes"] == ["ReadWriteOnce"]
