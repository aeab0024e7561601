"""The Jobs of retention on Kubernetes, built without a cluster (as
KubeSpawner's make_pod builds a pod): plain manifests the API takes as they
are and kubernetes-validate checks offline.

One Job per step and home claim. `archive` mounts the claim read-only and
the archive volume writable; `verify` is a fresh pod that reads the archive
back (read-only) against its manifest, so what is checked is what the
storage returns, not what one pod's page cache holds; `unchanged`, just
before the claim is deleted, mounts both read-only and compares the home
with the archive's manifest (a session since the archive wrote to it); `restore` mounts the archive read-only and the
(re)created claim writable. Each runs the same Python as a local site
(campushub.retention.job) in the hub image, which has
CampusHub, as the person's own server would: uid 1000, group users (100),
so restored files belong to them and nothing runs as root. A Job never
retries (a second attempt would hide the first one's failure) and the
cluster removes it a day after it ends, leaving time to read its log.
"""

from __future__ import annotations

import hashlib
import re

from .render.dockerfiles import NB_GID, NB_UID

HOME = "/srv/home"
ARCHIVE = "/srv/archive"
ACTIONS = ("measure", "archive", "verify", "unchanged", "restore")
LABELS = {"app.kubernetes.io/part-of": "campushub", "app.kubernetes.io/component": "retention"}
ACTION_LABEL = "campushub/retention-step"
USER_ANNOTATION = "hub.jupyter.org/username"  # KubeSpawner's, on the claims and pods of a user
CLAIM_ANNOTATION = "campushub/home-claim"
KEEP_FINISHED = 86400
RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
POD_SECURITY = {"runAsNonRoot": True, "runAsUser": NB_UID, "runAsGroup": NB_GID,
                # the group the user's own pods give the claim: with OnRootMismatch
                # nothing of an existing home is changed, a new one is made theirs
                "fsGroup": NB_GID, "fsGroupChangePolicy": "OnRootMismatch",
                "seccompProfile": {"type": "RuntimeDefault"}}
# GKE injects its Cloud Storage FUSE sidecar only into pods that ask for it
GCSFUSE = ("gcsfuse.csi.storage.gke.io", {"gke-gcsfuse/volumes": "true"})
CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                      "capabilities": {"drop": ["ALL"]}}


def job_name(action: str, claim: str, stamp: str) -> str:
    """A name of at most 63 characters (the job-name label the pods get) that
    says what it is and cannot collide with another claim's or run's."""
    digest = hashlib.sha256(f"{claim}\0{stamp}".encode()).hexdigest()[:10]
    readable = re.sub(r"[^a-z0-9-]", "-", claim.lower())[:30].strip("-")
    return f"campushub-{action}-{readable}-{digest}"


def archive_volume(spec: dict, read_only: bool) -> dict:
    """retention.kubernetes.archive_volume as a pod volume: a claim of the
    site's, or a bucket through its CSI driver."""
    if spec.get("claim"):
        return {"name": "archive", "persistentVolumeClaim": {"claimName": spec["claim"], "readOnly": read_only}}
    csi = spec["csi"]
    source = {"driver": csi["driver"], "readOnly": read_only}
    if csi.get("volume_attributes"):
        source["volumeAttributes"] = {str(k): str(v) for k, v in csi["volume_attributes"].items()}
    return {"name": "archive", "csi": source}


def job(action: str, *, user: str, claim: str, archive: str, image: str, namespace: str, volume: dict,
        stamp: str, timeout: int, force: bool = False) -> dict:
    """The Job of one step for `user`'s home claim `claim`; `archive` is the
    archive file's path inside the archive volume."""
    if action not in ACTIONS:
        raise ValueError(f"unknown retention step {action!r}")
    writes_home = action == "restore"
    # verify reads the archive against its manifest only: without the home
    # it may run on any node, even while a ReadWriteOnce claim is elsewhere
    uses_home = action != "verify"
    uses_archive = action != "measure"  # `plan --measure`: what the claim holds, nothing written
    name = job_name(action, claim, stamp)
    labels = {**LABELS, ACTION_LABEL: action}
    annotations = {USER_ANNOTATION: user, CLAIM_ANNOTATION: claim}
    bucket = uses_archive and (volume.get("csi") or {}).get("driver") == GCSFUSE[0]
    pod_annotations = {**annotations, **(GCSFUSE[1] if bucket else {})}
    path = f"{ARCHIVE}/{archive}"
    # campushub.retention.job's command line
    # --user=NAME in one word: a hub name may begin with "-" and would read as an option
    args = {"measure": ["measure", HOME], "archive": ["archive", HOME, path, f"--user={user}"],
            "verify": ["verify", path], "unchanged": ["unchanged", path, HOME],
            "restore": ["restore", path, HOME, f"--user={user}", *(["--force"] if force else [])]}[action]
    container = {
        "name": "retention", "image": image, "imagePullPolicy": "IfNotPresent",
        # -I: nothing from the environment or the working directory; -B: the root filesystem is read-only
        "command": ["python", "-I", "-B", "-m", "campushub.retention.job"], "args": args,
        "env": [{"name": "HOME", "value": "/tmp"}],
        "volumeMounts": [*([{"name": "home", "mountPath": HOME, "readOnly": not writes_home}] if uses_home else []),
                         *([{"name": "archive", "mountPath": ARCHIVE, "readOnly": action != "archive"}]
                           if uses_archive else []),
                         {"name": "tmp", "mountPath": "/tmp"}],
        "resources": RESOURCES, "securityContext": CONTAINER_SECURITY,
        # a failed step's last lines show in `kubectl describe` too (the result is read from the log)
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }
    pod_spec = {
        "restartPolicy": "Never", "automountServiceAccountToken": False, "enableServiceLinks": False,
        "securityContext": POD_SECURITY, "containers": [container],
        # a bucket's driver may authenticate as the pod's account (the kubelet hands the driver
        # a token of it); the container itself never gets one
        **({"serviceAccountName": volume["service_account"]} if volume.get("service_account") else {}),
        "volumes": [*([{"name": "home", "persistentVolumeClaim": {"claimName": claim, "readOnly": not writes_home}}]
                      if uses_home else []),
                    *([archive_volume(volume, read_only=action != "archive")] if uses_archive else []),
                    {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "annotations": annotations},
        "spec": {"backoffLimit": 0, "activeDeadlineSeconds": timeout, "ttlSecondsAfterFinished": KEEP_FINISHED,
                 "template": {"metadata": {"labels": labels, "annotations": pod_annotations}, "spec": pod_spec}},
    }


def recreated_claim(saved: dict, namespace: str) -> dict:
    """The home claim as KubeSpawner made it (name, labels, annotations and
    request, as recorded when it was archived), for a restore after apply
    deleted it; the cluster provisions a new, empty volume behind it."""
    spec = {"accessModes": saved["access_modes"], "resources": {"requests": {"storage": saved["storage"]}}}
    if saved.get("storage_class"):
        spec["storageClassName"] = saved["storage_class"]
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": saved["name"], "namespace": namespace, "labels": dict(saved.get("labels") or {}),
                         "annotations": dict(saved.get("annotations") or {})},
            "spec": spec}
