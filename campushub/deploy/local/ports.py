"""The hub's internal ports: as configured, else as recorded, else free ones.

hub.hub_port and hub.proxy_api_port default to null so that several sites
run side by side on one machine. A port chosen once stays the site's port:
running user servers call the hub at the address they were started with,
and they outlive `campushub down`/`up`. The record is the effective config
`up` saves in the data dir (which also lets `status` and `down` find them).
"""

from __future__ import annotations

import json
import socket

from .layout import Layout

INTERNAL = ("hub_port", "proxy_api_port")


def resolve(hub: dict, layout: Layout) -> dict:
    """A copy of the `hub` section with every internal port a number."""
    out = dict(hub)
    recorded = _recorded(layout)
    taken = {out["port"]}
    for key in INTERNAL:
        if out.get(key) is None:
            out[key] = recorded.get(key) or _free_port(taken)
        taken.add(out[key])
    return out


def _recorded(layout: Layout) -> dict:
    try:
        hub = json.loads(layout.config_copy.read_text())["hub"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {k: hub.get(k) for k in INTERNAL if isinstance(hub.get(k), int)}


def _free_port(taken: set[int]) -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port
