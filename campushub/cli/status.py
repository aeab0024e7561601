"""`campushub status`: hub and proxy health, users, and running servers with their CPU and memory."""

from __future__ import annotations

import json

import requests
from rich.console import Console
from rich.table import Table

from ..deploy.local import processes
from ..deploy.local.layout import Layout
from ..hub.spawners import cgroups
from ..hub.spawners.unix_users import unix_name
from .hub_api import HubAPI


def register(sub) -> None:
    p = sub.add_parser("status", help="show whether the platform runs, its users and their servers")
    p.add_argument("--data-dir", metavar="DIR", help="state directory (default: the built-in data_dir)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=run)


def collect(layout: Layout) -> dict:
    out = {"data_dir": str(layout.data_dir), "hub": False, "proxy": False, "users": [], "servers": []}
    if not layout.config_copy.exists():
        return out
    config = json.loads(layout.config_copy.read_text())
    out["proxy"] = processes.read_pid(layout, "proxy") is not None
    if not processes.read_pid(layout, "hub"):
        return out
    api = HubAPI.for_layout(layout)
    try:
        users = api.get("users")
    except requests.RequestException:
        return out
    out["hub"] = True
    try:
        backend = cgroups.detect()
    except cgroups.CgroupUnavailable:
        backend = None
    prefix = config["spawner"]["user_prefix"]
    for user in users:
        out["users"].append({"name": user["name"], "admin": user["admin"], "last_activity": user["last_activity"]})
        for server_name, server in (user.get("servers") or {}).items():
            account = unix_name(user["name"], prefix)
            cgroup = account + (f"--{server_name}" if server_name else "")
            usage = backend.usage(cgroup) if backend else {}
            out["servers"].append({
                "user": user["name"], "server": server_name, "unix_user": account,
                "ready": server.get("ready", False), "url": server.get("url"),
                "memory_bytes": usage.get("memory"), "cpu_seconds": usage.get("cpu_seconds"),
                "processes": len(usage.get("pids", [])),
            })
    return out


def run(args) -> int:
    layout = Layout.for_dir(args.data_dir)
    info = collect(layout)
    if args.json:
        print(json.dumps(info, indent=1))
        return 0 if info["hub"] else 3
    console = Console()
    up = lambda flag: "[green]running[/]" if flag else "[red]stopped[/]"  # noqa: E731
    console.print(f"Data dir: {info['data_dir']}\nHub: {up(info['hub'])}   Proxy: {up(info['proxy'])}")
    if info["users"]:
        users = Table("user", "admin", "last activity", title=f"Users ({len(info['users'])})")
        for u in info["users"]:
            users.add_row(u["name"], "yes" if u["admin"] else "", u["last_activity"] or "never")
        console.print(users)
    servers = Table("user", "server", "unix account", "ready", "memory", "CPU time", "processes",
                    title=f"Running servers ({len(info['servers'])})")
    for s in info["servers"]:
        mem = f"{s['memory_bytes'] / 1024**2:.0f} MiB" if s["memory_bytes"] is not None else "?"
        cpu = f"{s['cpu_seconds']:.1f} s" if s["cpu_seconds"] is not None else "?"
        servers.add_row(s["user"], s["server"] or "(default)", s["unix_user"], "yes" if s["ready"] else "starting",
                        mem, cpu, str(s["processes"]))
    console.print(servers)
    return 0 if info["hub"] else 3
