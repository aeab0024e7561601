"""Who may write a shared volume (kubernetes.shared_volumes): the chart
values mount each one in every server (render/storage.py); at each start the
server's mount is set read-only or not from the volume's read_only and the
person's groups at that time, so a tutor writes course content that the
course's learners only read, and a volume with mounted_for is left out of
the servers of everyone outside those groups. Every server runs as the same
uid, so the mount's readOnly (and its absence) is what keeps others out."""

from __future__ import annotations

from .render.storage import volume_name


def access(config: dict, groups) -> dict[str, bool]:
    """{volume name: read-only?} of the shared volumes mounted for someone in
    these groups, in the configuration's order; the ones mounted_for keeps
    from them are left out. Remote kernels' pods (remote_kernels.py) get the
    same as the person's server."""
    groups = set(groups)
    return {name: volume["read_only"] and not groups & set(volume["writable_by"])
            for name, volume in config["kubernetes"]["shared_volumes"].items()
            # mounted_for: one project's or course's volume stays out of other servers
            if not volume["mounted_for"] or groups & {*volume["mounted_for"], *volume["writable_by"]}}


def set_write_access(spawner, config: dict, groups) -> None:
    shared = config["kubernetes"]["shared_volumes"]
    if not shared:
        return
    mounted = access(config, groups)
    read_only = {volume_name(name): mounted.get(name, True) for name in shared}
    kept_out = {volume_name(name) for name in shared if name not in mounted}

    def mount(spec: dict) -> dict:
        name = spec.get("name")
        return {**spec, "readOnly": read_only[name]} if name in read_only else spec

    # A new dict or list rather than edits in place: KubeSpawner's trait
    # default, or the deployment's config, may hold the very same objects.
    mounts = spawner.volume_mounts
    if isinstance(mounts, dict):
        spawner.volume_mounts = {key: mount(spec) for key, spec in mounts.items()
                                 if spec.get("name") not in kept_out}
    else:
        spawner.volume_mounts = [mount(spec) for spec in mounts or [] if spec.get("name") not in kept_out]
