"""Who may write a shared volume (kubernetes.shared_volumes): the chart
values mount each one in every server (render/storage.py); at each start the
server's mount is set read-only or not from the volume's read_only and the
person's groups at that time, so a tutor writes course content that the
course's learners only read. Every server runs as the same uid, so the
mount's readOnly is what keeps learners from changing it."""

from __future__ import annotations

from .render.storage import volume_name


def set_write_access(spawner, config: dict, groups) -> None:
    shared = config["kubernetes"]["shared_volumes"]
    if not shared:
        return
    groups = set(groups)
    read_only = {volume_name(name): volume["read_only"] and not groups & set(volume["writable_by"])
                 for name, volume in shared.items()}

    def mount(spec: dict) -> dict:
        name = spec.get("name")
        return {**spec, "readOnly": read_only[name]} if name in read_only else spec

    # A new dict or list rather than edits in place: KubeSpawner's trait
    # default, or the deployment's config, may hold the very same objects.
    mounts = spawner.volume_mounts
    if isinstance(mounts, dict):
        spawner.volume_mounts = {key: mount(spec) for key, spec in mounts.items()}
    else:
        spawner.volume_mounts = [mount(spec) for spec in mounts or []]
