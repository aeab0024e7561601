"""The Kubernetes jobs backend: each job a batch/v1 Job (job_pod.py) in the release's namespace,
created, read and deleted with the jobs service's own ServiceAccount (render/jobs.py gives it those
rights and no others).

The handle is the Job's name. A job has ended when its Job says so; the outcome is the runner's
report, the termination message of the job's container, checked like result.json (model.Outcome),
with the container's own view on top: OOMKilled (the runner itself killed by the memory limit,
which its report cannot say) makes it oom. A pod that can never start (its image cannot be
pulled) fails the job, saying why, instead of leaving it queued forever in the service.

The service calls these methods in worker threads: each call runs its few API requests in an
event loop of its own, with kubernetes_asyncio as KubeSpawner does, through retention's Cluster
(retention_api.py: how to connect, in a pod or with a kubeconfig, and the Job calls).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import datetime

from kubernetes_asyncio.client.exceptions import ApiException

from ...jobs import backend as api
from ...jobs import model, outcomes
from . import job_pod
from .retention_api import Cluster

# Waiting reasons a pod does not recover from by waiting
STUCK = ("ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "ErrImageNeverPull")
GONE, OOM, OVERTIME = outcomes.POD_GONE, outcomes.OVER_MEMORY, outcomes.OVER_SITE_TIME


class JobsCluster(Cluster):
    """retention_api's few calls (create, read the pods of, delete a Job) and one more: a Job or None."""

    async def job_or_none(self, name: str) -> dict | None:
        try:
            return self._json(await self._batch.read_namespaced_job(name, self.namespace))
        except ApiException as e:
            if e.status == 404:
                return None
            raise api.BackendError(f"reading job {name}: {e.status} {e.reason}") from None
        except OSError as e:
            raise api.BackendError(f"reading job {name}: cannot reach the Kubernetes API ({e})") from None


class KubernetesBackend(api.Backend):
    def __init__(self, config: dict, cluster=None):
        super().__init__(config)
        self.namespace = config["kubernetes"]["namespace"]
        self._cluster = cluster  # a stand-in for tests; else one connection per call

    def _run(self, step):
        async def go():
            if self._cluster is not None:
                return await step(self._cluster)
            cluster = await JobsCluster.connect(self.namespace)
            try:
                return await step(cluster)
            finally:
                await cluster.close()

        try:
            return asyncio.run(go())
        except api.BackendError:
            raise
        except RuntimeError as e:  # ClusterError (retention_api): which call, and why, in one line
            raise api.BackendError(str(e)) from None

    def start(self, job: model.Job, resources: api.Resources, person: api.Person) -> str:
        manifest = job_pod.manifest(self.config, job, resources, person.name, person.groups, person.projects)
        self._run(lambda cluster: cluster.create_job(manifest))
        return manifest["metadata"]["name"]

    def poll(self, job: model.Job) -> model.Outcome | None:
        return self._run(lambda cluster: self._look(cluster, self._name(job)))

    def cancel(self, job: model.Job) -> None:
        name = self._name(job)

        async def delete(cluster):
            if await cluster.job_or_none(name) is not None:
                await cluster.delete_job(name)

        self._run(delete)

    def adopt(self, job: model.Job) -> bool:
        return self._run(lambda cluster: cluster.job_or_none(self._name(job))) is not None

    @staticmethod
    def _name(job: model.Job) -> str:
        return job.handle or job_pod.job_name(job.id)  # a job without handle: its name is its id's

    async def _look(self, cluster, name: str) -> model.Outcome | None:
        found = await cluster.job_or_none(name)
        if found is None:
            return model.Outcome(state=model.LOST, error=GONE)
        pods = await cluster.job_pods(name)
        if not ended(found.get("status") or {}):
            reason = stuck(pods)
            if reason is None:
                return None
            await cluster.delete_job(name)
            return model.Outcome(state=model.FAILED, error=model.one_line(outcomes.POD_STUCK.format(reason=reason)))
        return outcome(found.get("status") or {}, terminated(pods))


def ended(status: dict) -> bool:
    if status.get("succeeded") or status.get("failed"):
        return True
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in status.get("conditions") or [])


def _container(pods: list[dict]) -> dict:
    for pod in pods:
        for state in (pod.get("status") or {}).get("containerStatuses") or []:
            if state.get("name") == job_pod.CONTAINER:
                return state
    return {}


def terminated(pods: list[dict]) -> dict:
    return (_container(pods).get("state") or {}).get("terminated") or {}


def stuck(pods: list[dict]) -> str | None:
    waiting = (_container(pods).get("state") or {}).get("waiting") or {}
    if waiting.get("reason") in STUCK:
        return model.one_line(f"{waiting['reason']}: {waiting.get('message') or ''}".strip(": "))
    return None


def outcome(status: dict, ended_as: dict) -> model.Outcome:
    """The outcome of an ended Job from its container's termination. The message is the runner's report
    but the notebook's code can write it too (/dev/termination-log is the container user's): bounded as
    result.json is (model.Outcome), and the kubelet's facts win, OOMKilled, the exit code (succeeded needs
    0) and the times."""
    try:
        report = json.loads(ended_as.get("message") or "")
    except (ValueError, RecursionError):
        report = None
    code = ended_as.get("exitCode")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    if isinstance(report, dict) and "state" in report:
        result = model.Outcome.from_json(report)
    else:
        why = next((c.get("message") for c in status.get("conditions") or [] if c.get("type") == "Failed"), None)
        result = model.Outcome(state=model.SUCCEEDED if status.get("succeeded") else model.FAILED,
                               error=None if status.get("succeeded") else model.one_line(
                                   outcomes.NO_RESULT_WHY.format(why=why) if why
                                   else outcomes.NO_RESULT_STATUS.format(status=code)))
    took = _seconds(ended_as.get("startedAt"), ended_as.get("finishedAt"))
    result = replace(result, exit_code=code if code is not None else result.exit_code,
                     duration_s=took if took is not None else result.duration_s,
                     finished=_epoch(ended_as.get("finishedAt")) or result.finished)
    if any(c.get("type") == "Failed" and c.get("reason") == "DeadlineExceeded" for c in status.get("conditions") or []):
        result = replace(result, state=model.FAILED, error=OVERTIME, failed_cell=None)
    elif ended_as.get("reason") == "OOMKilled":
        result = replace(result, state=model.OOM, error=OOM, failed_cell=None)
    elif result.state == model.SUCCEEDED and code not in (0, None):
        result = replace(result, state=model.FAILED, failed_cell=None,
                         error=outcomes.NO_RESULT_STATUS.format(status=code))
    return result


def _epoch(when: str | None) -> float | None:
    try:
        return datetime.fromisoformat(when).timestamp()
    except (TypeError, ValueError):
        return None


def _seconds(start: str | None, end: str | None) -> float | None:
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (TypeError, ValueError):
        return None
