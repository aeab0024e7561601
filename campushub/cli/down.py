"""`campushub down`: stop what `up` started for a data dir, optionally the user servers too."""

from __future__ import annotations

import time

from ..deploy.local import processes
from ..deploy.local.layout import Layout
from . import hub_api, target


def register(sub) -> None:
    p = sub.add_parser("down", help="stop the hub, the proxy and our hub services (user servers keep running)")
    target.add_arguments(p)
    p.add_argument("--stop-servers", action="store_true", help="also stop every user server")
    p.set_defaults(func=run)


def run(args) -> int:
    layout, how = target.layout_for(args)
    servers_stopped = False
    if args.stop_servers and processes.read_pid(layout, "hub"):
        stopped = _stop_servers(layout)
        print(f"Stopped {stopped} user server(s).")
        # before `up` hears SIGTERM, so the message it prints is true
        layout.servers_stopped.write_text(f"{stopped}\n")
        servers_stopped = True
    elif args.stop_servers:
        print("The hub is not running, so it cannot stop user servers: start it with `campushub up`, "
              "then run `campushub down --stop-servers` again.")
    # stops its services, hub and proxy, newest first, then exits
    supervisor = processes.stop(layout, "up", timeout=60)
    # whatever an `up` that died (SIGKILL, power cut) left behind, by the pids it recorded
    left = processes.stop_all(layout)
    if not (supervisor or left):
        print(f"Nothing was running for {layout.data_dir} ({how}).")
        others = target.describe_others(layout)
        if others:
            print(others)
    else:
        print("CampusHub stopped." + ("" if servers_stopped else " User servers keep running."))
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
