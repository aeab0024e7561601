"""Project data on Kubernetes: one claim per project (`project-<name>`,
projects.kubernetes: class, size, access mode), mounted at
~/projects/<name> only in the pods of the project's members, named
servers (apps) included.

Which projects a pod gets is read from the person's groups at each start,
as the local backend joins unix groups at each start: a removed member
loses the mount at their next start. The mounts are added to the pod
KubeSpawner built, never to its volume traits, whose defaults and
deployment values are shared by every spawner.

A missing claim is made before the pod, with KubeSpawner's own API client
and its request for the home claim (409: someone made it meanwhile), so
the hub's service account needs no more than the chart's Role already
gives it (create on persistentvolumeclaims in its namespace). The claim
carries no KubeSpawner label or annotation: retention's home listing
(retention_pvcs.py) never mistakes it for someone's home, and it outlives
every pod and person.
"""

from __future__ import annotations

from functools import partial

from jupyterhub.utils import exponential_backoff
from kubernetes_asyncio.client import models as k8s
from kubernetes_asyncio.client.rest import ApiException
from kubespawner.objects import make_pvc

from ...i18n import N_, translate
from ...projects import model
from .render.projects import claim_name, labels, mount_path

NOT_MADE = N_("The storage of project {project} could not be made ({why}). Ask an administrator to check "
              "the cluster's storage, then start again.")
NO_ANSWER = N_("the Kubernetes API did not answer")


class ProjectStorageError(RuntimeError):
    """A project's claim could not be made; the message is one line in the person's language."""


def volume_name(name: str) -> str:
    return f"campushub-project-{name}"


def settings(config: dict | None) -> dict:
    """projects.kubernetes; the schema's defaults for a hub with no site configuration."""
    if not config:
        from ...config import validate  # only for a plain jupyterhub_config.py
        config = validate({})
    return config["projects"]["kubernetes"]


def claim_object(name: str, kube: dict) -> k8s.V1PersistentVolumeClaim:
    """render/projects.py's claim as KubeSpawner's model of the home claim, for its create request."""
    return make_pvc(claim_name(name), kube["storage_class"] or None, [kube["access_mode"]], None, kube["size"],
                    labels=labels(name))


def projects_of(spawner) -> list[str]:
    """The person's projects now; names failing the model's rule (a group
    made by hand through the REST API) are skipped, never turned into paths."""
    names = []
    # model.projects_of, but tolerant of group objects without .properties
    # (the plain stand-ins many spawner tests give): no properties, no project
    groups = getattr(spawner.user, "groups", None) or ()
    for name in sorted({g.name for g in groups if model.is_project(getattr(g, "properties", None))}):
        try:
            model.check_name(name)
        except ValueError:
            spawner.log.warning("Group %r is marked as a project but its name is not a project name: not mounted",
                                name)
            continue
        names.append(name)
    return names


async def ensure_claims(spawner, names: list[str], kube: dict, lang: str) -> None:
    """Make each missing claim before the pod, or fail the start with one line."""
    for name in names:
        pvc = claim_object(name, kube)
        try:
            await exponential_backoff(
                partial(spawner._make_create_pvc_request, pvc, spawner.k8s_api_request_timeout),
                f"Could not create PVC {pvc.metadata.name}", timeout=spawner.k8s_api_request_retry_timeout)
        except ApiException as e:
            spawner.log.error("Creating claim %s in %s: %s %s %s", pvc.metadata.name, spawner.namespace,
                              e.status, e.reason, (e.body or "")[:500])
            raise ProjectStorageError(translate(lang, NOT_MADE, project=name, why=f"{e.status} {e.reason}")) from None
        except TimeoutError:
            raise ProjectStorageError(translate(lang, NOT_MADE, project=name,
                                                why=translate(lang, NO_ANSWER))) from None


def add_projects(pod: k8s.V1Pod, names: list[str]) -> k8s.V1Pod:
    """The projects' volumes and mounts in the server's container (the first:
    KubeSpawner's), replacing any of the same name a deployment set."""
    ours = {volume_name(n) for n in names}
    volumes = [v for v in pod.spec.volumes or [] if _name(v) not in ours]
    volumes += [k8s.V1Volume(name=volume_name(n),
                             persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(claim_name=claim_name(n)))
                for n in names]
    pod.spec.volumes = volumes or None
    server = pod.spec.containers[0]
    mounts = [m for m in server.volume_mounts or [] if _name(m) not in ours]
    server.volume_mounts = mounts + [k8s.V1VolumeMount(name=volume_name(n), mount_path=mount_path(n)) for n in names]
    psc = pod.spec.security_context
    if names and isinstance(psc, dict) and psc.get("fsGroup") is not None:
        # Where the storage lets the kubelet apply fsGroup (CSI drivers with
        # fsGroupPolicy File, e.g. CephFS), its default "Always" would walk a
        # project's every file at every member's start; the root's group is
        # enough: new files inherit it (setgid), and all pods run as one uid.
        pod.spec.security_context = {"fsGroupChangePolicy": "OnRootMismatch", **psc}
    return pod


def _name(spec) -> str | None:
    return spec.get("name") if isinstance(spec, dict) else getattr(spec, "name", None)
