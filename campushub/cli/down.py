"""`campushub down`: stop the hub and proxy of a data dir, optionally the user servers too."""

from __future__ import annotations

import time

from ..deploy.local import processes
from ..deploy.local.layout import Layout
from . import hub_api


def register(sub) -> None:
    p = sub.add_parser("down", help="stop the hub and the proxy (user servers keep running)")
    p.add_argument("--data-dir", metavar="DIR", help="state directory (default: the built-in data_dir)")
    p.add_argument("--stop-servers", action="store_true", help="also stop every user server")
    p.set_defaults(func=run)


def run(args) -> int:
    layout = Layout.for_dir(args.data_dir)
    if args.stop_servers and processes.read_pid(layout, "hub"):
        stopped = _stop_servers(layout)
        print(f"Stopped {stopped} user server(s).")
    supervisor = processes.read_pid(layout, "up")
    if supervisor:
        # `up` in another terminal stops hub and proxy in order and exits
        processes.stop(layout, "up", timeout=60)
    hub = processes.stop(layout, "hub")
    proxy = processes.stop(layout, "proxy")
    if not (supervisor or hub or proxy):
        print(f"Nothing was running for {layout.data_dir}.")
    else:
        print("CampusHub stopped." + ("" if args.stop_servers else " User servers keep running."))
    return 0


def _stop_servers(layout: Layout, timeout: float = 120) -> int:
    api = hub_api.HubAPI.for_layout(layout)
    pending = []
    for user in api.get("users", params={"state": "active"}):
        for server in user.get("servers", {}):
            api.delete(f"users/{user['name']}/servers/{server}" if server else f"users/{user['name']}/server")
            pending.append(user["name"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(u.get("servers") for u in api.get("users", params={"state": "active"})):
            break
        time.sleep(0.5)
    return len(pending)
