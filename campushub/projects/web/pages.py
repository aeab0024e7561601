"""The HTML pages: {prefix} lists the person's projects (admins: all, their
own marked), {prefix}p/NAME shows one with its members, owners, data and
shared apps; owners and admins change members there, admins create and
delete projects. Every change is a POST form with the XSRF token; after it
the page is shown again with one line saying what was done. That line comes
only from the service: the redirect carries it signed with the service's
secret (tornado's signed values), for that project, for FLASH_DAYS, so a
link made by someone else cannot put words of theirs into the banner."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from tornado import web

from ...i18n import N_
from . import rules
from .base import BaseHandler
from .display import size_text, time_text

DONE = {  # ?done=... after a change: what the page says
    "added": N_("{user} is now a member. They get the project's folder as each of their servers restarts."),
    "owner": N_("{user} is now an owner."),
    "unowned": N_("{user} is no longer an owner (still a member)."),
    "removed": N_("{user} was removed. It takes effect as each of their servers restarts: until then their "
                  "running servers, named servers and apps included, keep the project's folder."),
    "created": N_("Project {name} was created."),
}
FLASH_DAYS = 10 / (24 * 60)  # the banner's signed value is good for 10 minutes


class PageHandler(BaseHandler):
    def project_url(self, project: str, **query) -> str:
        url = f"{self.prefix}p/{quote(project, safe='')}"
        return f"{url}?{urlencode(query)}" if query else url

    def render(self, template: str, **ctx) -> None:
        super().render(template, project_url=self.project_url, size_text=lambda size: size_text(self._, size),
                       time_text=lambda iso: time_text(self._, iso), **ctx)

    def changed_url(self, project: str, key: str, person: str = "") -> str:
        """The project page, with the signed record of what this request did for the banner."""
        signed = self.create_signed_value("done", json.dumps([project, key, person])).decode()
        return self.project_url(project, done=signed)

    def done(self, project: str) -> str | None:
        """The banner: what a change made by this service on this project did, else nothing."""
        raw = self.get_argument("done", "")
        value = raw and web.decode_signed_value(self.settings["cookie_secret"], "done", raw, max_age_days=FLASH_DAYS)
        try:
            where, key, person = json.loads(value) if value else ("", "", "")
        except (ValueError, TypeError):
            return None
        if where != project or key not in DONE:
            return None
        return self._(DONE[key], user=person, name=project)


class ListPage(PageHandler):
    @web.authenticated
    async def get(self):
        user = await self.person()
        projects = await self.ops.summaries(user, await self.ops.visible(user))
        self.render("list.html", projects=projects, admin=bool(user.get("admin")), done=None)

    @web.authenticated
    async def post(self):  # create (admins)
        user = await self.person()
        group = await self.ops.create(user, self.get_body_argument("name", ""), self.get_body_argument("title", ""),
                                      self.get_body_argument("owners", ""), self.get_body_argument("members", ""))
        self.redirect(self.changed_url(group["name"], "created"))


class ProjectPage(PageHandler):
    @web.authenticated
    async def get(self, name):
        user = await self.person()
        (project,) = await self.ops.summaries(user, [await self.ops.project(user, name)])
        self.render("project.html", project=project, admin=bool(user.get("admin")), done=self.done(project["name"]))


class ChangePage(PageHandler):
    """POST p/NAME/ACTION with the form field `user`: add, owner, unown, remove."""

    @web.authenticated
    async def post(self, name, action):
        user = await self.person()
        person = self.get_body_argument("user", "").strip()
        if action == "add":
            await self.ops.add(user, name, person, owner=self.get_body_argument("owner", "") == "1")
            done = "owner" if self.get_body_argument("owner", "") == "1" else "added"
        elif action == "owner":
            await self.ops.add(user, name, person, owner=True)
            done = "owner"
        elif action == "unown":
            await self.ops.remove(user, name, person, ownership_only=True)
            done = "unowned"
        elif action == "remove":
            await self.ops.remove(user, name, person, ownership_only=False)
            if person == user["name"] and not user.get("admin"):
                self.redirect(self.prefix)  # who left sees the project no more
                return
            done = "removed"
        else:
            raise web.HTTPError(404)
        self.redirect(self.changed_url(name, done, rules.user_name(person)))


class DeletePage(PageHandler):
    @web.authenticated
    async def post(self, name):
        user = await self.person()
        archive, note = await self.ops.delete(user, name, self.get_body_argument("confirm", ""))
        self.render("deleted.html", name=name, archive=archive,
                    note=self._(note.message, **note.values) if note else None)


NAME = r"([^/]+)"
ROUTES = [
    (r"", ListPage),
    (rf"p/{NAME}/?", ProjectPage),
    (rf"p/{NAME}/delete", DeletePage),
    (rf"p/{NAME}/(add|owner|unown|remove)", ChangePage),
]
