"""Which nodes a server's pod may run on: its chosen node pool, added to what
the deployment already asks of every user pod (Zero to JupyterHub sets its
own tolerations and selectors, which must survive)."""

from __future__ import annotations

# JupyterHub keeps one spawner object across restarts of a server, so the
# deployment's own values are remembered once; otherwise a pool chosen for
# one start would stick to every later start.
_BASE = "_campushub_base_placement"


def node_pool(config: dict, name: str) -> dict:
    try:
        return config["kubernetes"]["node_pools"][name]
    except KeyError:
        raise LookupError(f"node pool {name!r} is not under kubernetes.node_pools") from None


def placement(config: dict, pool: str | None, selector: dict, tolerations) -> tuple[dict, list[dict]]:
    """(node selector, tolerations) of a pod in `pool` (None: no pool), on top of the given ones,
    for server pods (place) and the pods built without a spawner (remote kernels, jobs)."""
    selector, tolerations = dict(selector), [dict(t) for t in tolerations]
    if pool is not None:
        spec = node_pool(config, pool)
        selector.update(spec.get("node_selector") or {})
        tolerations += [dict(t) for t in spec.get("tolerations") or [] if t not in tolerations]
    return selector, tolerations


def place(spawner, config: dict, pool: str | None) -> None:
    base = getattr(spawner, _BASE, None)
    if base is None:
        base = (dict(spawner.node_selector), list(spawner.tolerations))
        setattr(spawner, _BASE, base)
    spawner.node_selector, spawner.tolerations = placement(config, pool, *base)
