"""The projects JSON API under {prefix}api/, with the page's rules
(operations.py). A token (Authorization: token ...) or the service's cookie
plus the XSRF token (X-XSRFToken header) authenticates; every answer is JSON,
errors {"message": one translated line}.

  GET    api/projects                          the caller's projects (admins: all)
  POST   api/projects                          create {name, title, owners, members} (admins)
  GET    api/projects/NAME                     one project (404 unless a member or an admin)
  DELETE api/projects/NAME?confirm=NAME        archive its data, delete it (admins)
  POST   api/projects/NAME/members/USER        add a member (owners, admins)
  DELETE api/projects/NAME/members/USER        remove a member (and their ownership)
  POST   api/projects/NAME/owners/USER         make an owner (a member too)
  DELETE api/projects/NAME/owners/USER         remove the ownership only
"""

from __future__ import annotations

import json

from tornado import web

from ...i18n import N_
from .base import BaseHandler
from .rules import Refused

BAD_JSON = N_("The request body must be a JSON object.")
NAME = r"([^/]+)"


class ApiHandler(BaseHandler):
    json_errors = True

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise Refused(400, BAD_JSON)
        return data

    async def answer(self, user: dict, group: dict, status: int = 200) -> None:
        (found,) = await self.ops.summaries(user, [group])
        self.write_json(found, status)


class ProjectsApi(ApiHandler):
    @web.authenticated
    async def get(self):
        user = await self.person()
        self.write_json({"projects": await self.ops.summaries(user, await self.ops.visible(user))})

    @web.authenticated
    async def post(self):
        user, data = await self.person(), self.body()
        group = await self.ops.create(user, data.get("name"), data.get("title"), data.get("owners"),
                                      data.get("members"))
        await self.answer(user, group, 201)


class ProjectApi(ApiHandler):
    @web.authenticated
    async def get(self, name):
        user = await self.person()
        await self.answer(user, await self.ops.project(user, name))

    @web.authenticated
    async def delete(self, name):
        user = await self.person()
        archive, note = await self.ops.delete(user, name, self.get_argument("confirm", None))
        self.write_json({"deleted": name, "archive": archive or None,
                         "note": self._(note.message, **note.values) if note else None})


class MemberApi(ApiHandler):
    owner = False

    @web.authenticated
    async def post(self, name, person):
        user = await self.person()
        await self.answer(user, await self.ops.add(user, name, person, owner=self.owner))

    @web.authenticated
    async def delete(self, name, person):
        user = await self.person()
        group = await self.ops.remove(user, name, person, ownership_only=self.owner)
        if self.owner or user["name"] != person:
            await self.answer(user, group)
        else:  # who left a project sees it no more
            self.write_json({"left": name})


class OwnerApi(MemberApi):
    owner = True


ROUTES = [
    (r"api/projects/?", ProjectsApi),
    (rf"api/projects/{NAME}/?", ProjectApi),
    (rf"api/projects/{NAME}/members/{NAME}/?", MemberApi),
    (rf"api/projects/{NAME}/owners/{NAME}/?", OwnerApi),
]
