"""One project as the page and the API show it: title, members, owners, its
data (size and last activity, storage.py) and the apps shared with its group."""

from __future__ import annotations

import asyncio
import logging

from ...apps.model import is_app
from .. import model
from .hubapi import HubAPI, HubError
from .storage import Storage, Usage

log = logging.getLogger("campushub.projects")


async def summary(hub: HubAPI, storage: Storage, user: dict, group: dict) -> dict:
    name, props = group["name"], group.get("properties")
    owners = model.members_owners(group)  # a name in the property outside the group owns nothing
    members = sorted(set(group.get("users") or ()))
    member_models = []
    if storage.kind == "kubernetes":  # last activity is the members' there (k8s_storage.py)
        member_models = [m for m in await asyncio.gather(*(hub.user(n) for n in members)) if m]
    usage, apps = await asyncio.gather(_usage(storage, name, member_models), shared_apps(hub, name))
    return {
        "name": name, "title": model.title(props, name), "owners": owners, "members": members,
        "member": user.get("name") in members, "manage": model.may_manage(user, group),
        "size": {"known": usage.measured, "pending": usage.pending, "bytes": usage.bytes,
                 "complete": usage.complete},
        "last_activity": usage.activity.isoformat() if usage.activity else None,
        "last_activity_kind": usage.activity_kind, "storage": storage.kind, "apps": apps,
    }


async def _usage(storage: Storage, name: str, members: list[dict]) -> Usage:
    """The project's size and last activity, or unknown when reading them fails: one project's folder
    (which any member can make unreadable, e.g. folders nested thousands deep) must never fail
    the list page of everyone who sees it."""
    try:
        return await storage.usage(name, members)
    except Exception as e:  # noqa: BLE001  any failure: this project's figures are unknown, the page is served
        log.warning("project %s: size unknown: %s: %s", name, type(e).__name__, e)
        return Usage(measured=False)


async def shared_apps(hub: HubAPI, group: str) -> list[dict]:
    """The servers shared with the group: {owner, server, url, ready, app}; [] on a hub without sharing."""
    try:
        shares = await hub.shared_with(group)
    except HubError as e:
        if e.status in (403, 404):  # JupyterHub before 5, or the role lacks read:groups:shares
            return []
        raise
    out = []
    for share in shares:
        server = share.get("server") or {}
        out.append({"owner": (server.get("user") or {}).get("name"), "server": server.get("name") or "",
                    "url": server.get("url"), "ready": bool(server.get("ready")),
                    "app": is_app(server.get("name"))})
    return sorted(out, key=lambda a: (a["owner"] or "", a["server"]))
