"""A private /tmp and /dev/shm in every server's pod, in memory and counted
against the pod's memory limit, the Kubernetes side of the local spawner's
private tmpfs (deploy/local/spawner/private_tmp.py): a Memory emptyDir is a tmpfs
charged to the pod's cgroup, capped here at the chosen memory, and deleted
with the pod, so nothing a server wrote outside its home outlives it.
Container runtimes give /dev/shm only 64 MiB by default, too little for
PyTorch's DataLoader workers."""

from __future__ import annotations

MOUNTS = {"campushub-tmp": "/tmp", "campushub-shm": "/dev/shm"}
# One spawner object serves every start of a server (see scheduling.py):
# remember the deployment's own volumes once.
_BASE = "_campushub_base_volumes"


def mount_scratch(spawner, mem_limit: int) -> None:
    base = getattr(spawner, _BASE, None)
    if base is None:
        base = (spawner.volumes, spawner.volume_mounts)
        setattr(spawner, _BASE, base)
    volumes = {name: {"name": name, "emptyDir": {"medium": "Memory", "sizeLimit": str(int(mem_limit))}}
               for name in MOUNTS}
    mounts = {name: {"name": name, "mountPath": path} for name, path in MOUNTS.items()}
    spawner.volumes = _added(base[0], volumes, "name")
    spawner.volume_mounts = _added(base[1], mounts, "mountPath")


def _added(existing, ours: dict, key: str):
    """KubeSpawner takes a list or a dict of specs; ours replace the deployment's for the same name or path."""
    taken = {spec[key] for spec in ours.values()}
    if isinstance(existing, dict):
        kept = {k: v for k, v in existing.items() if v.get(key) not in taken}
        return {**kept, **ours}
    return [v for v in existing or [] if v.get(key) not in taken] + list(ours.values())
