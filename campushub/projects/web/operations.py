"""What the projects page and API do, each step checked by rules.py before
the hub is asked: list a person's projects, show one, add and remove members
and owners, create and delete projects. Pages and API call the same methods,
so they cannot disagree on who may do what."""

from __future__ import annotations

import asyncio
import logging

from ...i18n import N_
from .. import model
from . import rules
from .hubapi import HubAPI, HubError
from .rules import Refused
from .storage import Note, Storage
from .summary import summary

log = logging.getLogger("campushub.projects")
LOCKS = 64
NO_HUB_USER = N_("There is no hub user \"{user}\": they must sign in to the hub once first.")
EXISTS = N_("A group named \"{name}\" exists already: choose another name for the project.")
HUB_REFUSED = N_("The hub refused the change: {reason}")


class Operations:
    def __init__(self, hub: HubAPI, storage: Storage, declared: dict | None = None):
        # declared: campushub.yaml's projects.declared (config/projects.declared), restored at each hub start
        self.hub, self.storage, self.declared = hub, storage, declared or {}
        # One change of a project at a time in this service: an owner list is read, changed and written back
        # whole (the hub has no "add an owner"), so two owners adding at once would lose one of the two; and a
        # deletion must not archive twice. A fixed set of locks by name's hash: any name a request
        # makes up costs nothing kept (two projects sharing a lock only wait for each other).
        self._locks = [asyncio.Lock() for _ in range(LOCKS)]

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks[hash(name) % LOCKS]

    async def person(self, name: str) -> dict:
        """The signed-in person's hub model (admin flag, groups), fresh: a change shows at the next request."""
        return await self.hub.user(name) or {"name": name, "admin": False, "groups": []}

    # -- reading -------------------------------------------------------------------

    async def visible(self, user: dict) -> list[dict]:
        """The group models of the projects the person may see, by name (every project for an admin)."""
        if user.get("admin"):
            groups = await self.hub.groups()
        else:
            found = await asyncio.gather(*(self.hub.group(g) for g in user.get("groups") or ()))
            groups = [g for g in found if g]
        return sorted((g for g in groups if model.may_see(user, g)), key=lambda g: g["name"])

    async def project(self, user: dict, name: str) -> dict:
        name = rules.project_name(name)
        return dict(rules.visible(user, await self.hub.group(name), name))

    async def summaries(self, user: dict, groups: list[dict]) -> list[dict]:
        return list(await asyncio.gather(*(summary(self.hub, self.storage, user, g) for g in groups)))

    # -- changing ----------------------------------------------------------------------

    async def _existing_user(self, name: str) -> str:
        name = rules.user_name(name)
        if await self.hub.user(name) is None:
            raise Refused(400, NO_HUB_USER, user=name)
        return name

    async def add(self, user: dict, name: str, person: str, owner: bool) -> dict:
        async with self._lock(rules.project_name(name)):
            return await self._add(user, name, person, owner)

    async def _add(self, user: dict, name: str, person: str, owner: bool) -> dict:
        group = await self.project(user, name)
        rules.manageable(user, group)
        person = await self._existing_user(person)
        if owner:
            rules.new_owner(person, self.declared.get(name))  # before anything changes
        with _hub_refusals():
            if person not in (group.get("users") or ()):
                group = await self.hub.add_users(name, [person])
            owners = model.members_owners(group)  # names in the property outside the group are dropped
            if owner and person not in owners:
                props = model.properties_for([*owners, person], _title(group), group.get("properties"))
                group = await self.hub.set_properties(name, props)
        log.info("project %s: %s added %s%s", name, user["name"], person, " as an owner" if owner else "")
        return group

    async def remove(self, user: dict, name: str, person: str, ownership_only: bool) -> dict:
        async with self._lock(rules.project_name(name)):
            return await self._remove(user, name, person, ownership_only)

    async def _remove(self, user: dict, name: str, person: str, ownership_only: bool) -> dict:
        group = await self.project(user, name)
        rules.manageable(user, group)
        person = rules.user_name(person)
        left = rules.removal(user, group, person, ownership_only, self.declared.get(name))
        with _hub_refusals():
            # ownership first: a failure in between leaves a member without rights, never an owner outside
            if left != model.owners(group.get("properties")):  # also drops owners outside the group
                props = model.properties_for(left, _title(group), group.get("properties"))
                group = await self.hub.set_properties(name, props)
            if not ownership_only and person in (group.get("users") or ()):
                group = await self.hub.remove_users(name, [person])
        log.info("project %s: %s removed %s%s", name, user["name"], person, " as an owner" if ownership_only else "")
        return group

    async def create(self, user: dict, name, title, owners, members) -> dict:
        rules.admin(user)
        name, title, owners, members = rules.new_project(name, title, owners, members)
        for person in members:
            await self._existing_user(person)
        if await self.hub.group(name) is not None:  # never turn a course's (or anyone's) group into a project
            raise Refused(409, EXISTS, name=name)
        with _hub_refusals():
            await self.hub.create_group(name, members)
            group = await self.hub.set_properties(name, model.properties_for(owners, title))
        log.info("project %s created by %s: owners %s, members %s", name, user["name"], owners, members)
        return group

    async def delete(self, user: dict, name: str, confirm) -> tuple[str, Note | None]:
        """(the archive's path or "", what the admin must know about data kept)."""
        async with self._lock(rules.project_name(name)):
            return await self._delete(user, name, confirm)

    async def _delete(self, user: dict, name: str, confirm) -> tuple[str, Note | None]:
        rules.admin(user)
        await self.project(user, name)
        rules.confirmed(name, confirm)
        archived = await self.storage.archive(name)  # DeleteRefused: nothing changed
        with _hub_refusals():
            await self.hub.delete_group(name)
        log.info("project %s deleted by %s; archive %s", name, user["name"], archived.path or "(none)")
        return archived.path, await self.storage.remove(name, archived)


def _title(group: dict) -> str:
    # the stored title (not the name shown for a project without one), so an edit keeps "no title"
    value = ((group.get("properties") or {}).get(model.PROPERTY) or {}).get("title")
    return value if isinstance(value, str) else ""


class _hub_refusals:
    """A refusal of the hub (a 4xx: the group changed meanwhile, a user gone) as one line, not a server error."""

    def __enter__(self):
        return self

    def __exit__(self, typ, error, tb):
        if isinstance(error, HubError) and 400 <= error.status < 500:
            raise Refused(409 if error.status == 409 else 400, HUB_REFUSED, reason=error.message) from None
        return False
