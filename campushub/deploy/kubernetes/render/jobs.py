"""The `jobs` hub service in a release (render/hub_service.py builds the
common objects): a Deployment running the hub image, which holds CampusHub
and so the service, its Service, the site file, a claim for its SQLite
queue unless jobs.db_url names PostgreSQL (from the Secret), and what no
other service of ours has: a ServiceAccount whose Role lets it, in the
release's namespace only, make, read and delete the people's batch/v1 Jobs
and list their pods (state, OOMKilled, the runner's report). That is all it may do with the
cluster: it starts a Job as its owner with the volumes of their own server
(deploy/kubernetes/jobs.py), so it needs no rights over claims or Secrets.
"""

from __future__ import annotations

from ....config.jobs import enabled
from .. import secrets
from ..service_place import JOBS
from . import hub, hub_service, images, job_pods

DATA = "/var/lib/campushub-jobs"  # the claim (or scratch space), group-writable through fsGroup
STATE = f"{DATA}/service"  # its own folder there, which it makes and closes (as render/analytics.py says)
DB_FILE = "service/jobs.sqlite"  # webservice/db.py's name for it
UID = GID = 1000  # the chart's hub image runs as jovyan
RESOURCES = {"requests": {"cpu": "50m", "memory": "192Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}
SECURITY = {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": GID, "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
# Exactly the calls of the Kubernetes backend (deploy/kubernetes/jobs.py through retention_api.Cluster):
# create, read and delete a Job (its pods go with it: background propagation, the garbage collector's
# rights), and list a Job's pods (job-name=...) for its container's state and termination message.
RULES = [
    {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "delete"]},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]},
]


def values(config: dict) -> dict:
    return hub_service.values(JOBS) if enabled(config) else {}


def manifests(config: dict) -> list[dict]:
    if not enabled(config):
        return []
    objects = hub_service.manifests(config, _pod(config), hub.site_file(config))
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        # the one service of ours that talks to the cluster's API: with its own account's token only
        spec["serviceAccountName"] = JOBS.name
        spec["automountServiceAccountToken"] = True
    # the jobs' own pods: the chart's policy selects servers only (render/job_pods.py says why)
    return objects + _rights(config["kubernetes"]["namespace"]) + [job_pods.network_policy(config)]


def notes(config: dict) -> list[str]:
    if not enabled(config):
        return []
    return [f"The jobs service runs as Deployment {JOBS.name} with the ServiceAccount {JOBS.name}, whose Role lets it "
            "create, read and delete Jobs and list pods in this namespace only; each job runs as a Job with its "
            "owner's volumes and the resources of their profile or policy.",
            hub_service.storage_note(config, JOBS, secrets.JOBS_DB, config["jobs"]["storage"], "The job queue and "
                                     "records are")]


def _pod(config: dict) -> hub_service.ServicePod:
    hub_service.check_db(config, JOBS, secrets.JOBS_DB)
    return hub_service.ServicePod(
        place=JOBS, module="campushub.jobs.service", image=images.hub_image(config),
        data=DATA, db=secrets.JOBS_DB, db_file=DB_FILE, storage=config["jobs"]["storage"],
        resources=RESOURCES, security=SECURITY,
        pod_security={"fsGroup": GID, "seccompProfile": {"type": "RuntimeDefault"}},
        env={"CAMPUSHUB_JOBS_DIR": STATE, "CAMPUSHUB_JOBS_BACKEND": "kubernetes", "HOME": DATA, "TMPDIR": DATA},
    )


def _rights(namespace: str) -> list[dict]:
    meta = {"name": JOBS.name, "namespace": namespace, "labels": hub_service.labels(JOBS)}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": dict(meta), "automountServiceAccountToken": False},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": dict(meta), "rules": RULES},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": dict(meta),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": JOBS.name},
         "subjects": [{"kind": "ServiceAccount", "name": JOBS.name, "namespace": namespace}]},
    ]
