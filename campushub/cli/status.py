"""`campushub status`: processes, ports, limits, environments, users, groups and running servers."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..deploy.local.hub_services_local import SERVICES as HUB_SERVICES
from . import target
from .status_info import collect

SERVICES = [service.name for service in HUB_SERVICES] + ["gateway"]  # Enterprise Gateway (remote kernels)


def register(sub) -> None:
    p = sub.add_parser("status", help="show whether the platform runs, its users and their servers")
    target.add_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=run)


def run(args) -> int:
    layout, how = target.layout_for(args)
    info = collect(layout)
    info["data_dir_from"] = how
    info["other_sites"] = target.others(layout)
    if args.json:
        print(json.dumps(info, indent=1))
        return 0 if info["hub"] else 3
    console = Console(highlight=False, soft_wrap=True)  # paths stay whole, for copying
    console.print(f"Data dir: {escape(info['data_dir'])} ({escape(how)})")
    idle = not (info["hub"] or info["proxy"] or info["up"])
    if idle and info["other_sites"] and not (args.data_dir or args.config):
        # not "stopped": the site meant may well be one of these
        console.print("No CampusHub runs with this data dir.")
        console.print(escape(target.describe_others(layout)))
        return 3
    up = lambda flag: "[green]running[/]" if flag else "[red]stopped[/]"  # noqa: E731
    hub = "[yellow]starting[/]" if info["up"] and not info["hub"] else up(info["hub"])
    service = "".join(f"   {name.capitalize()}: {up(info[name])}" for name in SERVICES if name in info)
    console.print(f"Hub: {hub}   Proxy: {up(info['proxy'])}{service}")
    if idle and info["other_sites"]:
        console.print(escape(target.describe_others(layout)))
    if "ports" in info:
        _site(console, info)
    if info["users"]:
        users = Table("user", "admin", "groups", "last activity", title=f"Users ({len(info['users'])})")
        for u in info["users"]:
            users.add_row(escape(u["name"]), "yes" if u["admin"] else "", escape(", ".join(u["groups"])),
                          u["last_activity"] or "never")
        console.print(users)
    if info["groups"]:
        groups = Table("group", "members", "roles", title=f"Groups ({len(info['groups'])})")
        for g in info["groups"]:
            groups.add_row(escape(g["name"]), str(g["members"]), escape(", ".join(g["roles"])))
        console.print(groups)
    if info["hub"]:
        _servers(console, info["servers"])
    return 0 if info["hub"] else 3


def _site(console: Console, info: dict) -> None:
    ports = info["ports"]
    if info.get("url"):
        console.print(f"Address: {escape(info['url'])}   Config: {escape(info.get('config_file') or '(defaults)')}")
    console.print(f"Ports: public {ports['public']}, hub 127.0.0.1:{ports['hub']}, "
                  f"proxy API 127.0.0.1:{ports['proxy_api']}"
                  + "".join(f", {name} 127.0.0.1:{ports[name]}" for name in SERVICES if name in ports))
    limits = info["limits"]
    console.print("Limits per server: " + ", ".join(f"{k} {v}" for k, v in limits.items() if v not in (None, False)))
    for env in info["environments"]:
        if "error" in env:
            console.print(f"Environments: [red]{escape(env['error'])}[/]")
            continue
        tags = ", ".join(f"{tag} -> {t['version']}" + ("" if t["built"] else " (not built)")
                         for tag, t in env["tags"].items())
        console.print(f"Environment {escape(env['name'])}: {escape(tags)}")
    if info.get("env_dir"):
        console.print(f"Default environment of this run: {escape(info['env_dir'])}")
    for fork in info.get("fork_servers", []):
        colour = "green" if fork["state"] == "running" else "yellow" if fork["pid"] else "red"
        pid = f" (pid {fork['pid']})" if fork["pid"] else ""
        why = f": {fork['error']}" if fork["error"] else ""
        console.print(f"Fork server {escape(fork['env'])}: [{colour}]{escape(fork['state'])}[/]{pid}{escape(why)}")


def _servers(console: Console, servers: list[dict]) -> None:
    table = Table("user", "server", "unix account", "ready", "memory", "CPU time", "processes",
                  title=f"Running servers ({len(servers)})")
    for s in servers:
        mem = f"{s['memory_bytes'] / 1024**2:.0f} MiB" if s["memory_bytes"] is not None else "?"
        cpu = f"{s['cpu_seconds']:.1f} s" if s["cpu_seconds"] is not None else "?"
        table.add_row(escape(s["user"]), escape(s["server"] or "(default)"), s["unix_user"],
                      "yes" if s["ready"] else "starting", mem, cpu, str(s["processes"]))
    console.print(table)
