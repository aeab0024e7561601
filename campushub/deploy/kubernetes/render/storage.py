"""Storage of user servers in the chart values: each user's home on a
claim of their own that KubeSpawner creates on first start (and keeps when
the server stops), and the site's shared volumes (kubernetes.shared_volumes),
mounted in every server, read-only unless configured otherwise.

Shared volumes are claims rather than volumes written into the pod, so the
pod spec holds no server addresses and an operator can swap the storage
behind a claim without touching the chart. The claims this module makes are
returned by manifests(), for `kubectl apply` beside the release."""

from __future__ import annotations

import posixpath

from ....config.errors import ConfigError
from ....config.jobs import enabled as jobs_enabled
from ....config.remote_kernels import enabled as remote_kernels_enabled
from ..scratch import MOUNTS as SCRATCH_MOUNTS

# The home of the user images: Jupyter's docker-stacks images, which the
# default kubernetes.image is and which ours build on, run as jovyan.
HOME = "/home/jovyan"
RWX = ["ReadWriteMany"]
LABELS = {"app.kubernetes.io/part-of": "campushub", "app.kubernetes.io/component": "shared-storage"}
# Mounting over one of these would hide the system, the home or the
# private /tmp from the server.
SYSTEM = ("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root",
          "/run", "/sbin", "/sys", "/usr", "/var")


def volume_name(name: str) -> str:
    return f"shared-{name}"


def claim_name(name: str, volume: dict) -> str:
    return volume.get("existing_claim") or f"campushub-shared-{name}"


def values(config: dict) -> dict:
    kube = config["kubernetes"]
    check(config)
    # Remote kernels (render/remote_kernels.py) and notebook jobs (job_pod.py)
    # mount the home in pods of their own, on other nodes (a GPU pool) and
    # while the server stops and starts again elsewhere: a ReadWriteOnce home
    # would keep one of them from starting.
    shared_home = remote_kernels_enabled(config) or jobs_enabled(config)
    dynamic = {"storageAccessModes": ["ReadWriteMany"] if shared_home else ["ReadWriteOnce"]}
    if kube["storage_class"]:
        dynamic["storageClass"] = kube["storage_class"]
    storage = {"type": "dynamic", "capacity": kube["storage_capacity"], "homeMountPath": HOME,
               "dynamic": dynamic}
    shared = kube["shared_volumes"]
    if shared:
        # Maps, not lists: the chart takes both, and maps deep-merge with
        # other fragments' volumes instead of replacing them.
        storage["extraVolumes"] = {
            volume_name(n): {"name": volume_name(n), "persistentVolumeClaim": {"claimName": claim_name(n, v)}}
            for n, v in shared.items()}
        storage["extraVolumeMounts"] = {
            volume_name(n): {"name": volume_name(n), "mountPath": v["mount_path"], "readOnly": v["read_only"]}
            for n, v in shared.items()}
    return {"singleuser": {"storage": storage}}


def manifests(config: dict) -> list[dict]:
    """The claims (and for NFS, the volumes) of the shared volumes this release creates."""
    namespace = config["kubernetes"]["namespace"]
    out = []
    for name, volume in config["kubernetes"]["shared_volumes"].items():
        if volume.get("existing_claim"):
            continue
        claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                 "metadata": {"name": claim_name(name, volume), "namespace": namespace, "labels": dict(LABELS)},
                 "spec": {"accessModes": RWX, "resources": {"requests": {"storage": volume["capacity"]}}}}
        if volume.get("storage_class"):
            claim["spec"]["storageClassName"] = volume["storage_class"]
        else:
            # NFS: a volume bound to this claim alone; "" keeps the cluster's
            # default class from provisioning another one instead.
            pv_name = f"{namespace}-{claim_name(name, volume)}"
            claim["spec"].update(storageClassName="", volumeName=pv_name)
            out.append({"apiVersion": "v1", "kind": "PersistentVolume",
                        "metadata": {"name": pv_name, "labels": dict(LABELS)},
                        "spec": {"capacity": {"storage": volume["capacity"]}, "accessModes": RWX,
                                 "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "",
                                 "claimRef": {"namespace": namespace, "name": claim_name(name, volume)},
                                 "nfs": {"server": volume["nfs"]["server"], "path": volume["nfs"]["path"]}}})
        out.append(claim)
    return out


def check(config: dict) -> None:
    """What config/kubernetes_checks.py cannot know: where the user image
    keeps the home and the server its private /tmp."""
    kept = (HOME, *SCRATCH_MOUNTS.values())
    for name, volume in config["kubernetes"]["shared_volumes"].items():
        path = volume["mount_path"]
        key = f"kubernetes.shared_volumes.{name}.mount_path"
        if posixpath.normpath(path) != path:  # the runtime resolves /srv/../home/jovyan to the home
            raise ConfigError(f"{path} has . or .. parts; write the folder itself, such as /srv/{name}", key=key)
        if _loads_code(path) and (not volume["read_only"] or volume["writable_by"]):
            raise ConfigError(f"{path} is where servers load programs or settings from, and this volume is "
                              f"writable by servers: one person's files would run in everyone's server; "
                              f"mount it elsewhere, such as /srv/{name}, or make it read_only", key=key)
        hidden = [p for p in kept if p == path or p.startswith(path + "/")]
        if hidden or path in SYSTEM or path.startswith(("/proc/", "/sys/", "/dev/")):
            raise ConfigError(f"{path} would hide {', '.join(hidden) or 'a system folder'} in the servers; "
                              f"mount it elsewhere, such as /srv/{name}",
                              key=key)
    _check_course_sources(config)


def _check_course_sources(config: dict) -> None:
    """A course synced from a file:// repository on a shared volume its
    learners may write: one learner's commit would reach every other
    learner's home at their next start."""
    for course_name, course in config["courses"].items():
        repo = course.get("repo") or ""
        if not repo.startswith("file://"):
            continue
        path = posixpath.normpath(repo.removeprefix("file://"))
        for name, volume in config["kubernetes"]["shared_volumes"].items():
            inside = path == volume["mount_path"] or path.startswith(volume["mount_path"] + "/")
            if inside and (not volume["read_only"] or course["learners_group"] in volume["writable_by"]):
                raise ConfigError(f"the repository is on shared volume {name}, which the course's learners may "
                                  "write: keep it on a volume only its tutors write (read_only with writable_by)",
                                  key=f"courses.{course_name}.repo")


def _loads_code(path: str) -> bool:
    """Inside a system folder (/etc/jupyter, /usr/local/bin, /opt/...) or a
    dot-folder of the home (.ipython startup files, .local, .jupyter)."""
    system = [p for p in SYSTEM if p not in ("/", "/home")]
    return any(path.startswith(p + "/") for p in system) or path.startswith(HOME + "/.")


def notes(config: dict) -> list[str]:
    kube, out = config["kubernetes"], []
    for name, volume in kube["shared_volumes"].items():
        where = (f"the NFS export {volume['nfs']['server']}:{volume['nfs']['path']}, which every node must be "
                 "allowed to mount" if volume.get("nfs") else
                 f"the existing claim {volume['existing_claim']} in namespace {kube['namespace']}, which must be "
                 "ReadWriteMany" if volume.get("existing_claim") else
                 f"a claim in storage class {volume['storage_class']}, which must offer ReadWriteMany")
        writers = ", ".join(volume["writable_by"])
        mode = ("writable by every server" if not volume["read_only"] else
                f"writable only by servers of {writers}" if writers else
                "read-only in servers: change its files from outside them")
        if "writable" in mode:
            mode += ": its files must be writable by uid 1000, gid 100"
        if volume["mounted_for"]:
            mode += f"; only servers of {', '.join([*volume['mounted_for'], *volume['writable_by']])} mount it"
        out.append(f"Shared volume {name} ({volume['mount_path']}) is {where}; it is {mode}.")
    return out
