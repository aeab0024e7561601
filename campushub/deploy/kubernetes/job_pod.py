"""A notebook job as a batch/v1 Job, built without a cluster (as retention_job.py builds its Jobs):
plain JSON the API takes as it is and kubernetes-validate checks offline.

Its pod is the person's server pod in what matters to the notebook, from the same builders as
their remote kernels' pods (remote_kernels.py): their home claim at the same path, their projects'
claims, the shared volumes their groups may see (read-only unless they may write), a private /tmp
and /dev/shm in memory, uid 1000 and group 100 like every server, the image of the environment
(images.py), the node pool, CPU, memory and GPUs of the job's resources (already checked against
their policy), the chart's user-pod tolerations. It runs campushub/jobs/runner.py with the image's
python (the user environment first on PATH; the image's entrypoint, tini, stays), and the runner's
result comes back as the container's termination message, which the API keeps with the pod.

A Job never retries (a second run would overwrite the first one's files) and the cluster removes it
a day after it ends; the service has long read its outcome by then.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from kubespawner.slugs import is_valid_label, safe_slug

from ...config import jobs as section
from ...hub.policy.types import Choice
from ...jobs import runner
from .images import image_for
from .remote_kernels import USER_LABEL, USER_POD_TOLERATIONS, volumes
from .render.dockerfiles import NB_GID, NB_UID
from .render.job_pods import LABELS
from .render.storage import HOME
from .resources import GPU_RESOURCE
from .scheduling import placement

CONTAINER = "job"
JOB_LABEL = "campushub/job"
USER_ANNOTATION = "hub.jupyter.org/username"  # KubeSpawner's, on the pods and claims of a person
TERMINATION_LOG = "/dev/termination-log"
KEEP_FINISHED = 86400
RUNNER_SOURCE = Path(runner.__file__).read_text()
POD_SECURITY = {"runAsNonRoot": True, "runAsUser": NB_UID, "runAsGroup": NB_GID, "fsGroup": NB_GID,
                "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": {"type": "RuntimeDefault"}}
CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def job_name(job_id: str) -> str:
    """Job ids (j + 14 digits + - + 6 hex) are DNS labels already; the name stays under 63 characters."""
    return f"campushub-{job_id}"


def _millicores(cores: float) -> str:
    return f"{max(1, math.ceil(cores * 1000))}m"


def resources(choice: Choice) -> dict:
    out = {"requests": {"cpu": _millicores(choice.cpu_guarantee or choice.cpu_limit),
                        "memory": str(int(choice.mem_guarantee or choice.mem_limit))},
           "limits": {"cpu": _millicores(choice.cpu_limit), "memory": str(int(choice.mem_limit))}}
    if choice.gpus:  # Kubernetes refuses an extended resource whose request differs from its limit
        for part in out.values():
            part[GPU_RESOURCE] = str(int(choice.gpus))
    return out


def manifest(config: dict, job, choice: Choice, person: str, groups=(), projects=()) -> dict:
    """The Job running `job` (model.Job) for hub user `person`, with the resources of `choice`."""
    vols, mounts = volumes(config, person, groups, projects, choice.mem_limit)
    selector, tolerations = placement(config, choice.node_pool, {}, USER_POD_TOLERATIONS)
    spec = {"id": job.id, "notebook": job.notebook, "parameters": job.parameters}
    env = {"HOME": HOME, runner.JOB_ENV: json.dumps(spec), runner.REPORT_FILE_ENV: TERMINATION_LOG,
           "MEM_LIMIT": str(int(choice.mem_limit)), "CPU_LIMIT": str(choice.cpu_limit)}
    container = {
        "name": CONTAINER, "image": image_for(config, choice.environment, choice.tag),
        "imagePullPolicy": "IfNotPresent",
        # -I: nothing of the home (the working directory) or of ~/.local on the runner's path
        "args": ["python3", "-I", "-c", RUNNER_SOURCE], "workingDir": HOME,
        "env": [{"name": k, "value": v} for k, v in env.items()],
        "resources": resources(choice), "volumeMounts": mounts, "securityContext": CONTAINER_SECURITY,
        "terminationMessagePath": TERMINATION_LOG, "terminationMessagePolicy": "File",
    }
    labels = {**LABELS, JOB_LABEL: job.id, USER_LABEL: safe_slug(person, is_valid=is_valid_label)}
    pod = {"restartPolicy": "Never", "automountServiceAccountToken": False, "enableServiceLinks": False,
           "securityContext": POD_SECURITY, "containers": [container], "volumes": vols,
           "tolerations": tolerations, **({"nodeSelector": selector} if selector else {})}
    meta = {"labels": labels, "annotations": {USER_ANNOTATION: person}}
    limit = section.max_runtime_s(config)  # the Job fails with reason DeadlineExceeded, its pod killed
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": job_name(job.id), "namespace": config["kubernetes"]["namespace"], **meta},
            "spec": {"backoffLimit": 0, "ttlSecondsAfterFinished": KEEP_FINISHED,
                     **({"activeDeadlineSeconds": math.ceil(limit)} if limit else {}),
                     "template": {"metadata": meta, "spec": pod}}}
