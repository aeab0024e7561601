"""The `analytics` hub service in a release (render/hub_service.py builds
the objects): a Deployment of its own running the hub image, which holds
CampusHub and so the service, a Service the proxy, the hub and user servers
reach it by (their server extension sends the records of cell executions to
it), and its SQLite database on a claim of its own unless analytics.db_url
names PostgreSQL (from the Secret, given to this pod only).

Unlike the assignments service it runs no learner code: it runs as the hub
image's own unprivileged user, under the Pod Security "restricted" rules,
with the claim writable through the pod's fsGroup.
"""

from __future__ import annotations

from ....config.analytics import enabled
from ....config.environments import definitions
from .. import secrets
from ..service_place import ANALYTICS
from . import hub, hub_service, images

DATA = "/var/lib/campushub-analytics"  # the claim (or scratch space), group-writable through fsGroup
# The service's own folder in it, which it makes (owned by its user) and
# closes to others with chmod: the volume's root belongs to root, and a
# process that does not own it may not chmod it.
STATE = f"{DATA}/service"
DB_FILE = "service/analytics.sqlite"
# The chart's hub image runs as jovyan (1000:1000); the claim is made
# writable for that group.
UID = GID = 1000
RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
SECURITY = {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": GID, "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}


def values(config: dict) -> dict:
    return hub_service.values(ANALYTICS) if enabled(config) else {}


def manifests(config: dict) -> list[dict]:
    if not enabled(config):
        return []
    hub_service.check_db(config, ANALYTICS, secrets.ANALYTICS_DB)  # a refused URL is told before the image
    pod = hub_service.ServicePod(
        place=ANALYTICS, module="campushub.analytics.service", image=images.hub_image(config),
        data=DATA, db=secrets.ANALYTICS_DB, db_file=DB_FILE, storage=config["analytics"]["storage"],
        resources=RESOURCES, security=SECURITY,
        pod_security={"fsGroup": GID, "seccompProfile": {"type": "RuntimeDefault"}},
        # HOME and TMPDIR on the data volume: the root filesystem is read-only
        env={"CAMPUSHUB_ANALYTICS_DIR": STATE, "HOME": DATA, "TMPDIR": DATA},
    )
    return hub_service.manifests(config, pod, hub.site_file(config))


def notes(config: dict) -> list[str]:
    if not enabled(config):
        return []
    out = [f"The analytics service runs as Deployment {ANALYTICS.name}; user servers send it the records of "
           "cell executions. Its API token is the one the chart makes for hub.services.analytics.",
           hub_service.storage_note(config, ANALYTICS, secrets.ANALYTICS_DB, config["analytics"]["storage"],
                                    "Execution records are")]
    if _own_images(config):
        # the recording extension is laid into the images CampusHub builds (singleuser/files.py)
        out.append(f"Servers of {', '.join(_own_images(config))} run an image CampusHub does not build, without "
                   "the server extension that records cell executions: the service shows no executions of theirs.")
    return out


def _own_images(config: dict) -> list[str]:
    built = set(images.built_versions(config))
    return [f"{name}:{version}" for name, env in definitions(config).items()
            for version in env["versions"] if (name, version) not in built]
