"""Remote kernels in a release: Enterprise Gateway (render/gateway.py) and
the remote-kernels front, the hub service every kernel request goes
through (campushub/remote_kernels), as a Deployment of the hub image like
the projects page (render/hub_service.py builds it). The front checks the
person's hub token and rebuilds each kernel's env from their profile, home,
projects and shared volumes (deploy/kubernetes/remote_kernels.py), so EG
never sees a name or a volume a client chose. Its kernel table (owner,
profile, culled) is SQLite on a claim of its own: after a restart it still
knows whose kernels are running.

The chart values give the hub the front's service entry (its token, the
proxy's route to /services/remote-kernels/) and user servers the egress to
it; the hub hands those servers CAMPUSHUB_GATEWAY_URL (hub/services.py).
"""

from __future__ import annotations

from ....config.remote_kernels import enabled, environment, profiles
from .. import secrets
from ..images import image_for
from ..service_place import REMOTE_KERNELS
from . import gateway, hub, hub_service, images

DATA = "/var/lib/campushub-remote-kernels"
DB_FILE = "remote-kernels.sqlite"
STORAGE = "1Gi"
# SQLite on its claim: remote_kernels has no db_url (render/hub_service.py reads none)
DB = secrets.Secret(("remote_kernels", "db_url"), "CAMPUSHUB_REMOTE_KERNELS_DB_URL", "remote-kernels-db-url")
UID = GID = 1000  # the chart's hub image runs as jovyan
RESOURCES = {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}
SECURITY = {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": GID, "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}


def values(config: dict) -> dict:
    return hub_service.values(REMOTE_KERNELS) if enabled(config) else {}


def secret_keys(config: dict) -> list[tuple[str, str]]:
    """(key, placeholder) of what the release's Secret must hold for remote kernels (README's secrets.env)."""
    return [(gateway.TOKEN_KEY, "A-RANDOM-TOKEN-FROM-openssl-rand-hex-32")] if enabled(config) else []


def kernel_images(config: dict) -> dict[str, str]:
    """Each profile's image when remote_kernels.kubernetes.kernel_image is "": its environment's user image."""
    own = config["remote_kernels"]["kubernetes"]["kernel_image"]
    return {name: own or image_for(config, *environment(config, profile))
            for name, profile in profiles(config).items()}


def manifests(config: dict) -> list[dict]:
    if not enabled(config):
        return []
    token = {"secretKeyRef": {"name": config["kubernetes"]["secret_name"], "key": gateway.TOKEN_KEY}}
    pod = hub_service.ServicePod(
        place=REMOTE_KERNELS, module="campushub.remote_kernels.service", image=images.hub_image(config),
        data=DATA, db=DB, db_file=DB_FILE, storage=STORAGE, resources=RESOURCES, security=SECURITY,
        pod_security={"fsGroup": GID, "seccompProfile": {"type": "RuntimeDefault"}},
        env={"CAMPUSHUB_REMOTE_KERNELS_DIR": f"{DATA}/service",
             "CAMPUSHUB_REMOTE_KERNELS_BACKEND": "kubernetes",
             "CAMPUSHUB_REMOTE_KERNELS_GATEWAY_URL": gateway.url(),
             "HOME": DATA, "TMPDIR": DATA},
    )
    front = hub_service.manifests(config, pod, hub.site_file(config))
    deployment = next(m for m in front if m["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["env"].insert(0, {"name": "CAMPUSHUB_REMOTE_KERNELS_GATEWAY_TOKEN", "valueFrom": token})
    return [*front, *gateway.manifests(config, kernel_images(config)),
            *gateway.network_policies(config, hub_service.labels(REMOTE_KERNELS))]


def notes(config: dict) -> list[str]:
    if not enabled(config):
        return []
    secret = config["kubernetes"]["secret_name"]
    return [
        f"Remote kernels: Enterprise Gateway runs as Deployment {gateway.NAME} "
        f"({config['remote_kernels']['kubernetes']['gateway_image']}), reachable only from the remote-kernels "
        f"front ({REMOTE_KERNELS.name}). Its token is the key {gateway.TOKEN_KEY} of the Secret {secret} "
        "(secrets.env above): a random value, which both pods read there.",
        "Remote kernels run as pods of their own (kernel-<user>-<kernel id>) with the person's home claim, "
        "their projects' claims and the shared volumes their groups see, on the node pool of their profile. "
        "So kernels and servers can mount a home at once from different nodes, new homes are ReadWriteMany "
        f"claims: {_home_class(config)} must offer ReadWriteMany. Homes made earlier keep ReadWriteOnce: a kernel "
        "on another node than its person's server cannot start (Multi-Attach) until that home is moved to a "
        "ReadWriteMany claim. Kernels run Enterprise Gateway's launcher with the image's python: CampusHub's user "
        "images have what it needs; an image of your own (remote_kernels.kubernetes.kernel_image, or an "
        "environment version's image) needs python on its PATH with ipykernel and pycryptodomex.",
        f"Who owns which kernel is kept in SQLite on the claim {REMOTE_KERNELS.name} ({STORAGE}).",
    ]


def _home_class(config: dict) -> str:
    name = config["kubernetes"]["storage_class"]
    return f"storage class {name}" if name else "the cluster's default storage class"
