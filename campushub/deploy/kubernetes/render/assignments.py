"""The `assignments` hub service in a release: a Deployment of its own
(not in the hub pod: autograding takes cores and memory the hub must keep,
and its sandbox needs rights the hub should not have), a Service the
proxy, the hub and user servers reach it by, a claim for its SQLite
database unless assignments.db_url names PostgreSQL (from the Secret), and
a NetworkPolicy that lets only those three in.

Submissions are stored in the database (content-addressed blobs), so the
claim holds everything and nothing else needs shared storage. SQLite on a
ReadWriteOnce claim means one replica and a Recreate rollout.

The sandbox is bubblewrap without a user namespace plus a cgroup of its own
per submission (content/check/sandbox.py), run as root in the container:
bubblewrap's mount, pid and network namespaces need CAP_SYS_ADMIN, setpriv
dropping to nobody needs CAP_SETUID/SETGID, and the per-submission memory,
CPU and pids limits need a writable cgroup tree, which a container has only
when privileged (Kubernetes mounts /sys/fs/cgroup read-only otherwise). So
the container is privileged, with the node's AppArmor profile off for it
(the runtime's default profile refuses mount), no service account token,
and resource limits of its own as the outer bound.
"""

from __future__ import annotations

import copy

from ....config import parse_bytes
from ....config.assignments import enabled
from .. import secrets
from ..service_place import ASSIGNMENTS
from . import hub, hub_service, images
from .dockerfiles import ENV_PREFIX

CONTAINER = ASSIGNMENTS.service
DATA = "/var/lib/campushub-assignments"
DB_FILE = "assignments.sqlite"
# Workers when assignments.workers is null: in a pod, os.cpu_count() is the
# node's, not what the pod may use, so the rendered config names a number.
POD_WORKERS = 2
LABELS = hub_service.labels(ASSIGNMENTS)


def values(config: dict) -> dict:
    return hub_service.values(ASSIGNMENTS) if enabled(config) else {}


def manifests(config: dict) -> list[dict]:
    if not enabled(config):
        return []
    return hub_service.manifests(config, _pod(config), site_file(config))


def notes(config: dict) -> list[str]:
    if not enabled(config):
        return []
    return [f"The assignments service runs as Deployment {ASSIGNMENTS.name} in a privileged container (its "
            "sandbox makes namespaces and a cgroup per submission); the namespace's Pod Security level must allow "
            "privileged pods. Its API token is the one the chart makes for hub.services.assignments.",
            hub_service.storage_note(config, ASSIGNMENTS, secrets.ASSIGNMENTS_DB, config["assignments"]["storage"],
                                     "Submissions are")]


def site_file(config: dict) -> str:
    """campushub.yaml as the service reads it: the hub's copy (no secrets),
    with the number of workers fixed for the pod."""
    config = copy.deepcopy(config)
    config["assignments"]["workers"] = config["assignments"]["workers"] or POD_WORKERS
    return hub.site_file(config)


def _pod(config: dict) -> hub_service.ServicePod:
    hub_service.check_db(config, ASSIGNMENTS, secrets.ASSIGNMENTS_DB)  # a refused URL is told before the image
    return hub_service.ServicePod(
        place=ASSIGNMENTS, module="campushub.assignments.service", image=images.assignments_image(config),
        data=DATA, db=secrets.ASSIGNMENTS_DB, db_file=DB_FILE, storage=config["assignments"]["storage"],
        resources=_resources(config),
        security={"privileged": True, "runAsUser": 0, "runAsGroup": 0},
        env={"CAMPUSHUB_ASSIGNMENTS_DIR": DATA, "CAMPUSHUB_GRADING_PYTHON": f"{ENV_PREFIX}/bin/python"},
        # the runtime's default AppArmor profile refuses the sandbox's mounts
        annotations={f"container.apparmor.security.beta.kubernetes.io/{CONTAINER}": "unconfined"},
    )


def _resources(config: dict) -> dict:
    section = config["assignments"]
    workers = section["workers"] or POD_WORKERS
    # every worker's kernel at its limit, plus the service and the warm kernels' runners
    memory = workers * parse_bytes(section["memory"]) + workers * 256 * 2**20 + 512 * 2**20
    cpu = workers * float(section["cpu"])
    return {"requests": {"cpu": f"{int(cpu * 1000)}m", "memory": f"{memory // 2**20}Mi"},
            "limits": {"cpu": f"{int((cpu + 1) * 1000)}m", "memory": f"{memory // 2**20}Mi"}}
