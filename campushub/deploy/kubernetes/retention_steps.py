"""Running one retention Job to its end and reading what it found.

The Job's program (campushub.retention.job) prints its result as one JSON
line; it is read back from the pod's log, so the CLI trusts what the pod
checked, never its own guess. A Job that does not finish in time, fails, or
leaves no result is a failed step with a one-line reason naming the Job, so
the operator can `kubectl describe` it: failed Jobs are kept (the cluster
removes them a day later), finished ones are removed at once.
"""

from __future__ import annotations

import asyncio
import json
import time

from .retention_api import Cluster, ClusterError

POLL = 2.0
# On top of the Job's own deadline: the API server needs a moment to mark it failed.
GRACE = 60


class StepFailed(Exception):
    pass


def finished(job: dict) -> str | None:
    """"ok", "failed", or None while the Job still runs."""
    status = job.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed"):
            return "ok" if condition["type"] == "Complete" else "failed"
    if status.get("succeeded"):
        return "ok"
    return "failed" if status.get("failed") else None


def result_line(log: str) -> dict | None:
    """The last line of the log that is a JSON object."""
    for line in reversed(log.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def failure_reason(job: dict) -> str:
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Failed" and condition.get("status") == "True":
            return condition.get("message") or condition.get("reason") or "failed"
    return "failed"


async def run(cluster: Cluster, manifest: dict, timeout: int, poll: float = POLL) -> dict:
    """Create the Job, wait for it, and return its result line; raises
    StepFailed when there is none or the Job failed."""
    name = manifest["metadata"]["name"]
    await cluster.create_job(manifest)
    deadline = time.monotonic() + timeout + GRACE
    while True:
        job = await cluster.job(name)
        state = finished(job)
        if state:
            break
        if time.monotonic() > deadline:
            raise StepFailed(f"job {name} did not finish within {timeout + GRACE} s "
                             f"(kubectl -n {cluster.namespace} describe job {name})")
        await asyncio.sleep(poll)
    result = None
    for pod in await cluster.job_pods(name):
        try:
            result = result_line(await cluster.pod_log(pod["metadata"]["name"])) or result
        except ClusterError:
            continue
    if state == "ok" and result is not None:
        await cluster.delete_job(name)
        return result
    why = (result or {}).get("reason") or (result or {}).get("error") or failure_reason(job)
    raise StepFailed(f"job {name}: {why} (kubectl -n {cluster.namespace} logs job/{name})")
