"""GET {prefix}: what the viewer may see: their own activity, the courses
they tutor (every course for an admin), and the platform page for admins."""

from __future__ import annotations

from tornado import web

from . import links
from .base import BaseHandler


class HomeHandler(BaseHandler):
    @web.authenticated
    def get(self):
        name = self.viewer()
        courses = self.site.get("courses") or {}
        tutored = [(c, (courses[c] or {}).get("title") or c, links.course(self.prefix, c)) for c in self.tutored()]
        self.render("home.html", admin=self.is_admin(), tutored=tutored, own=links.learner(self.prefix, name))


ROUTES = [("", HomeHandler)]
