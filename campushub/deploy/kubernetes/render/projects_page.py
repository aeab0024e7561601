"""The `projects` hub service (the projects page) in a release
(render/hub_service.py builds the objects): a Deployment running the hub
image, which holds CampusHub and so the service, and a Service the proxy and
the hub reach it by. It keeps no database (the hub's groups are the
projects), so no claim: its cookie secret lives in scratch space, and people
sign in to the page again after the pod restarts.

It cannot see the project claims (mounted only in members' pods; its pod has
no access to the cluster's API), so the page shows their size as unknown,
the members' latest hub activity as the last activity, and deleting a
project deletes its group and keeps its claim for the operator to archive.
"""

from __future__ import annotations

from ....hub.services import projects_enabled
from ..service_place import PROJECTS
from . import hub, hub_service, images

DATA = "/var/lib/campushub-projects"  # scratch (emptyDir)
UID = GID = 1000  # the chart's hub image runs as jovyan
RESOURCES = {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}
SECURITY = {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": GID, "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}


def values(config: dict) -> dict:
    return hub_service.values(PROJECTS) if projects_enabled(config) else {}


def manifests(config: dict) -> list[dict]:
    if not projects_enabled(config):
        return []
    pod = hub_service.ServicePod(
        place=PROJECTS, module="campushub.projects.service", image=images.hub_image(config),
        data=DATA, db=None, db_file="", storage="", resources=RESOURCES, security=SECURITY,
        pod_security={"fsGroup": GID, "seccompProfile": {"type": "RuntimeDefault"}},
        env={"CAMPUSHUB_PROJECTS_DIR": f"{DATA}/service", "CAMPUSHUB_PROJECTS_STORAGE": "kubernetes",
             "HOME": DATA, "TMPDIR": DATA},
    )
    return hub_service.manifests(config, pod, hub.site_file(config))


def notes(config: dict) -> list[str]:
    if not projects_enabled(config):
        return []
    return [f"The projects page runs as Deployment {PROJECTS.name}. It cannot see the project claims: it shows "
            "their size as unknown, and deleting a project there deletes its group and keeps its claim "
            "project-<name> for `campushub k8s archive-project NAME`, which archives it and then deletes it."]
