"""The assignments web app (web/app.py's make_app) on a real port, for the
tutor page tests and, through pages_service.py, the learner and instructor
ones. Two stand-ins, because the hub is not running in the fast tier: who is
signed in (HubOAuth's cookie round trip with the hub) is a plain test
cookie, and the hub's users and groups API answers from a dict. Everything
else is real: tornado, JupyterHub's own XSRF check (HubOAuth), the Store on
SQLite, the templates and the catalogs."""

from __future__ import annotations

import asyncio
import threading

import requests
from jupyterhub.services.auth import HubOAuth
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from campushub.assignments.web.app import make_app
from campushub.assignments.web.base import BaseHandler
from campushub.webservice.people import People

PREFIX = "/services/assignments/"
SCOPE = "access:services!service=assignments"
COURSES = {"c1": {"title": "Course one", "learners_group": "c1-learners", "tutors_group": "c1-tutors"}}


class TestOAuth(HubOAuth):
    """The signed-in user is the `test-user` cookie (the hub would resolve its own cookie)."""

    def get_user(self, handler, *, sync=True):
        name = handler.get_cookie("test-user")
        return {"kind": "user", "name": name, "scopes": [SCOPE]} if name else None


class HubPeople(People):
    """People with the hub's API answered from ``users`` and ``groups``."""

    def __init__(self, users: dict[str, dict], groups: dict[str, list[str]]):
        super().__init__(COURSES, "http://127.0.0.1:9/hub/api", "unused", ttl=0)
        self.users, self.groups = users, groups

    async def refresh(self, name):
        return self._user(name)

    def _get(self, kind, name):
        if kind == "users":
            return self.users.get(name)
        members = self.groups.get(name)
        return None if members is None else {"name": name, "users": members}


def application(store, people) -> web.Application:
    """web/app.py's whole app: the learner's assignment page hands tutors the gradebook."""
    return make_app(store=store, people=people, site_config={"courses": COURSES}, prefix=PREFIX, hub_prefix="/hub/",
                    cookie_secret=b"t" * 32, max_body=64 * 2**20)


class Service:
    prefix = PREFIX

    def __init__(self, store, people):
        self.store, self.people = store, people
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.run(self._serve())

    def application(self) -> web.Application:
        return application(self.store, self.people)

    async def _serve(self):
        sockets = bind_sockets(0, "127.0.0.1")
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}{self.prefix}"
        server = HTTPServer(self.application(), max_body_size=64 * 2**20)
        server.add_sockets(sockets)
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        server.stop()
        await server.close_all_connections()

    def __enter__(self):
        auth = TestOAuth(api_token="unused", api_url="http://127.0.0.1:9/hub/api", base_url=PREFIX,
                         access_scopes={SCOPE}, cache_max_age=0)
        self._saved = BaseHandler.__dict__.get("_hub_auth")
        BaseHandler._hub_auth = auth
        self._thread.start()
        assert self._ready.wait(30), "the test service did not start"
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        if self._saved is None:
            del BaseHandler._hub_auth  # back to HubAuthenticated's own None
        else:
            BaseHandler._hub_auth = self._saved

    def session(self, user: str | None) -> requests.Session:
        s = requests.Session()
        if user:
            s.cookies.set("test-user", user, domain="127.0.0.1", path="/")
        return s

    def xsrf(self, session: requests.Session) -> str:
        """The _xsrf value the user's forms carry: any page visit sets the
        cookie (JupyterHub's scheme: the form value is the cookie's value)."""
        r = session.get(self.url + "course/c1/a/ps1/", timeout=30)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        return session.cookies["_xsrf"]
