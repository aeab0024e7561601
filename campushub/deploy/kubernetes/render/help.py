"""The `help` hub service in a release (render/hub_service.py builds the
objects): a Deployment running the help image, which is the hub image with
the portal built at render time (render/help_site.py, images.help_build),
its Service, a NetworkPolicy letting in the proxy (every reader's request)
and the hub, and the hub.services entry the chart makes its token for. The
hub's configuration finds it through service_place.running(), as it finds
the others, and so links it from its pages.

It keeps nothing: no claim, no database, and its pod can run with a
read-only root filesystem under the Pod Security "restricted" rules. Having
no claim it also needs no Recreate rollout: the new pod answers before the
old one goes.
"""

from __future__ import annotations

from ....config.help import enabled, pages_dir
from ..service_place import HELP
from . import hub, hub_service, images

DATA = "/var/lib/campushub-help"  # scratch space only (HOME, TMPDIR): the root filesystem is read-only
# Its cookie secret's folder, which it makes and closes (chmod 0700): the
# volume's root belongs to root, and a process that does not own it may not chmod it.
STATE = f"{DATA}/service"
UID = GID = 1000  # the chart's hub image runs as jovyan
# Static files to logged-in people: small, even with a class opening the portal at once.
RESOURCES = {"requests": {"cpu": "20m", "memory": "96Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
SECURITY = {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": GID, "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
# People's browsers come through the proxy; the hub calls it only as it does
# every service. User servers never do: the memory warning links the public path.
CALLERS = ("hub", "proxy")


def values(config: dict) -> dict:
    return hub_service.values(HELP, CALLERS) if enabled(config) else {}


def manifests(config: dict) -> list[dict]:
    if not enabled(config):
        return []
    objects = hub_service.manifests(config, _pod(config), hub.site_file(config))
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        deployment["spec"]["strategy"] = {"type": "RollingUpdate",
                                          "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    return objects


def notes(config: dict) -> list[str]:
    if not enabled(config):
        return []
    out = [f"The help portal runs as Deployment {HELP.name} from its own image ({images.help_image(config)}): "
           "the hub image with the portal built by `campushub k8s render` into help/site/. People reach it at "
           f"{config['hub']['base_url']}services/help/ once logged in."]
    folder = pages_dir(config)
    if folder:
        out.append(f"The organisation's pages (help.pages_dir, {folder}) were read when this release was "
                   "rendered and are built into the help image: after changing a page, render again, build and "
                   "push the new help image (its tag changes) and repeat `kubectl apply` of manifests.yaml.")
    else:
        out.append("To add the organisation's own pages to the portal, set help.pages_dir to their folder on the "
                   "machine that renders, render again, build the new help image and apply manifests.yaml.")
    return out


def _pod(config: dict) -> hub_service.ServicePod:
    return hub_service.ServicePod(
        place=HELP, module="campushub.help.service", image=images.help_image(config),
        data=DATA, db=None, db_file="", storage="0", resources=RESOURCES, security=SECURITY,
        pod_security={"fsGroup": GID, "seccompProfile": {"type": "RuntimeDefault"}},
        # the cookie secret on scratch space: a new pod's readers pass the hub's OAuth again, with no login
        env={"CAMPUSHUB_HELP_SITE": images.HELP_SITE, "CAMPUSHUB_HELP_DIR": STATE, "HOME": DATA, "TMPDIR": DATA},
        callers=CALLERS,
    )
