"""The whole assignments web app (web/app.py's make_app: learner, instructor,
tutor and API routes) on a real port, for the learners' and instructors'
page tests. It reuses tutor_service.py's two stand-ins, because the hub is
not running in the fast tier: who is signed in is a plain test cookie (the
hub would resolve its OAuth cookie), and the hub's users and groups API
answers from a dict. Tornado, JupyterHub's XSRF check, the Store on SQLite,
the format package, templates and catalogs are the real ones."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from campushub.assignments.web.app import make_app

from .tutor_service import COURSES, PREFIX, HubPeople, Service

TUTOR, LEARNERS, OUTSIDER = "tina", ["ann", "bob"], "olga"
PS1 = Path(__file__).parents[1] / "fixtures" / "ps1"


def ps1_files(top: str = "") -> list[tuple[str, bytes]]:
    """The ps1 fixture's files as an upload names them (a folder upload: "ps1/...")."""
    return [(top + p.relative_to(PS1).as_posix(), p.read_bytes()) for p in sorted(PS1.rglob("*")) if p.is_file()]


def hub_people() -> HubPeople:
    users = {TUTOR: {"name": TUTOR, "admin": False, "groups": ["c1-tutors"]},
             OUTSIDER: {"name": OUTSIDER, "admin": False, "groups": []},
             **{n: {"name": n, "admin": False, "groups": ["c1-learners"]} for n in LEARNERS}}
    return HubPeople(users, {"c1-learners": list(LEARNERS), "c1-tutors": [TUTOR]})


class PagesService(Service):
    def __init__(self, store, people=None, assignments: dict | None = None):
        super().__init__(store, people or hub_people())
        self.site = {"courses": COURSES, "assignments": assignments or {}}

    def application(self):
        return make_app(store=self.store, people=self.people, site_config=self.site, prefix=PREFIX,
                        hub_prefix="/hub/", cookie_secret=b"t" * 32, max_body=64 * 2**20)


def hub_browser(site, name: str, group: str | None):
    """A requests session signed in to the real hub (sign-up form, the admin's
    approval, login form) and put in ``group``; its first visit to the
    service goes through HubOAuth's redirects as a browser's does."""
    from ...conftest import approve
    from ...harness import Browserless

    admin = Browserless(site.hub, "admin", site.hub.admin_password)
    assert admin.login().status_code == 302
    user = Browserless(site.hub, name, f"{name}-Secret-pw-2026")
    assert user.signup().status_code == 200
    assert approve(site.hub, admin, name).status_code == 200
    assert user.login().status_code == 302
    if group:
        r = site.hub.api("POST", f"groups/{group}/users", json={"users": [name]})
        assert r.status_code == 200, r.text
    return user.session


def form_xsrf(html: str) -> str:
    return html.split('name="_xsrf" value="', 1)[1].split('"', 1)[0]


def one_line(r) -> str:
    """The refusal's one line on an error page (whitespace folded); no traceback anywhere."""
    found = re.search(r'id="error-message">(?:<strong>\d+</strong>)?(.*?)</div>', r.text, re.S)
    assert found, r.text[:500]
    assert "Traceback" not in r.text
    return " ".join(unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def text_of(r) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", r.text)).split())
