"""What `campushub status` knows about a site: processes, ports, limits,
environments, and what the hub says about users, groups and servers."""

from __future__ import annotations

import json

import requests

from ..config import remote_kernels
from ..deploy.local import environments, forkserver_state, hub_services_local, processes
from ..deploy.local.layout import Layout
from ..deploy.local.remote_kernels import gateway
from ..deploy.local.spawner import cgroups
from ..deploy.local.spawner.unix_users import unix_name
from ..hub.roles import ADMIN_GROUPS_ROLE
from .hub_api import HubAPI

ADMIN_ROLES = {"admin", ADMIN_GROUPS_ROLE}


def collect(layout: Layout) -> dict:
    out = {"data_dir": str(layout.data_dir), "hub": False, "proxy": False, "up": False,
           "users": [], "groups": [], "servers": []}
    if not layout.config_copy.exists():
        return out
    config = json.loads(layout.config_copy.read_text())
    out["up"] = processes.read_pid(layout, "up") is not None
    out["proxy"] = processes.read_pid(layout, "proxy") is not None
    if _gateway_port(config):  # Enterprise Gateway (cli/up_gateway.py)
        out[gateway.NAME] = processes.read_pid(layout, gateway.NAME) is not None
    for service in hub_services_local.wanted(config):
        out[service.name] = processes.read_pid(layout, service.name) is not None
    out.update(_site(layout, config))
    out["fork_servers"] = forkserver_state.describe(layout)
    if not processes.read_pid(layout, "hub"):
        return out
    api = HubAPI.for_layout(layout)
    try:
        users, groups = api.get("users"), api.get("groups")
    except requests.RequestException:
        return out
    out["hub"] = True
    out["groups"] = [{"name": g["name"], "members": len(g.get("users") or []), "roles": g.get("roles") or []}
                     for g in groups]
    out["users"] = [_user(u, groups) for u in users]
    out["servers"] = _servers(users, config["spawner"]["user_prefix"])
    return out


def _site(layout: Layout, config: dict) -> dict:
    hub = config["hub"]
    try:
        state = json.loads(layout.up_state.read_text())
    except (OSError, ValueError):
        state = {}
    try:
        envs = environments.describe(environments.site_dir(config), config)
    except Exception as e:  # status reports; a broken prefix must not hide the rest
        envs = [{"name": "?", "error": str(e)}]
    return {
        "config_file": state.get("config_file"), "url": state.get("url"),
        "ports": {"public": f"{hub['ip']}:{hub['port']}", "hub": hub["hub_port"], "proxy_api": hub["proxy_api_port"],
                  **{s.name: config[s.key]["port"] for s in hub_services_local.wanted(config)},
                  **({gateway.NAME: _gateway_port(config)} if _gateway_port(config) else {})},
        "limits": config["limits"], "env_dir": state.get("env_dir"), "environments": envs,
    }


def _gateway_port(config: dict) -> int | None:
    """Enterprise Gateway's port when it runs for remote kernels (a copy an older `up` wrote lacks the section)."""
    on = "remote_kernels" in config and "profiles" in config and remote_kernels.enabled(config)
    return config["remote_kernels"]["gateway_port"] if on else None


def _user(user: dict, groups: list[dict]) -> dict:
    # An admin is whoever the hub treats as one: the admin flag, the admin
    # role given to the person, or to a group they are in (roles.admin_groups).
    admin_groups = {g["name"] for g in groups if {"admin", ADMIN_GROUPS_ROLE} & set(g.get("roles") or [])}
    admin = bool(user.get("admin") or "admin" in (user.get("roles") or [])
                 or admin_groups & set(user.get("groups") or []))
    return {"name": user["name"], "admin": admin, "groups": sorted(user.get("groups") or []),
            "last_activity": user.get("last_activity")}


def _servers(users: list[dict], prefix: str) -> list[dict]:
    try:
        backend = cgroups.detect()
    except cgroups.CgroupUnavailable:
        backend = None
    out = []
    for user in users:
        for server_name, server in (user.get("servers") or {}).items():
            account = unix_name(user["name"], prefix)
            cgroup = account + (f"--{server_name}" if server_name else "")
            usage = backend.usage(cgroup) if backend else {}
            out.append({
                "user": user["name"], "server": server_name, "unix_user": account,
                "ready": server.get("ready", False), "url": server.get("url"),
                "memory_bytes": usage.get("memory"), "cpu_seconds": usage.get("cpu_seconds"),
                "processes": len(usage.get("pids", [])),
            })
    return out
