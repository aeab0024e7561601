"""The analytics web app (analytics/web/app.py's make_app) on a real port,
in-process, for the page, CSV and records API tests. What is stood in,
because the hub is not running in the fast tier:
- who is asking: HubOAuth's resolution of the hub's cookie and of tokens
  (TokenOAuth: a `test-user` cookie, or `Authorization: token T` looked up
  in a dict, marked token-authenticated as HubAuth marks it; the token
  "monitoring" holds read:metrics);
- the hub's users and groups API (tests/assignments/web/tutor_service.py's
  HubPeople, answering from dicts).
Everything else is real: tornado, JupyterHub's XSRF check (HubOAuth), the
analytics Store on SQLite, the records validation, templates and catalogs."""

from __future__ import annotations

import re
import uuid
from html import unescape

from campushub.analytics.web.app import make_app

from ...assignments.web.tutor_service import HubPeople, Service, TestOAuth

PREFIX = "/services/analytics/"
SCOPE = "access:services!service=analytics"
COURSES = {"c1": {"title": "Course one", "learners_group": "c1-learners", "tutors_group": "c1-tutors"},
           "c2": {"title": "Course two", "learners_group": "c2-learners", "tutors_group": "c2-tutors"}}
# ann and bob learn c1, cat learns c2 (and c1), tina tutors c1, tom tutors c2, root is a hub admin.
USERS = {"ann": ["c1-learners"], "bob": ["c1-learners"], "cat": ["c1-learners", "c2-learners"],
         "tina": ["c1-tutors"], "tom": ["c2-tutors"], "root": []}
TOKENS = {f"token-of-{name}": name for name in USERS}


class TokenOAuth(TestOAuth):
    """The test cookie (TestOAuth), or a user's server token from TOKENS."""

    def get_user(self, handler, *, sync=True):
        header = handler.request.headers.get("Authorization", "")
        if header.startswith("token "):
            name = TOKENS.get(header[len("token "):])
            if name is None:
                return None
            handler._token_authenticated = True  # as HubAuth marks a token's request
            return {"kind": "user", "name": name, "scopes": [SCOPE]}
        model = super().get_user(handler, sync=sync)
        return {**model, "scopes": [SCOPE]} if model else None

    async def user_for_token(self, token, use_cache=True, session_id="", *, sync=True):
        """The hub's /api/user for a token (webservice/metrics.py checks its scopes)."""
        if token == "monitoring":
            return {"kind": "service", "name": "prometheus", "scopes": ["read:metrics"]}
        name = TOKENS.get(token)
        return {"kind": "user", "name": name, "scopes": [SCOPE]} if name else None


class SiteHub(HubPeople):
    def __init__(self):
        users = {n: {"name": n, "admin": n == "root", "groups": g} for n, g in USERS.items()}
        groups = {}
        for name, member_of in USERS.items():
            for group in member_of:
                groups.setdefault(group, []).append(name)
        super().__init__(users, groups)
        self.courses = COURSES


class AnalyticsService(Service):
    prefix = PREFIX

    def __init__(self, store):
        super().__init__(store, SiteHub())

    def application(self):
        auth = TokenOAuth(api_token="unused", api_url="http://127.0.0.1:9/hub/api", base_url=PREFIX,
                          access_scopes={SCOPE}, cache_max_age=0)
        return make_app(store=self.store, people=self.people, site_config={"courses": COURSES}, prefix=PREFIX,
                        hub_prefix="/hub/", cookie_secret=b"a" * 32, max_body=2**20, hub_auth=auth)

    def post_records(self, user: str, records, **kwargs):
        return self.session(None).post(self.url + "api/records", json={"records": records},
                                       headers={"Authorization": f"token token-of-{user}"}, timeout=30, **kwargs)


def execution(course="c1", notebook="lesson1.ipynb", cell="a", status="ok", time="2026-12-01T03:30:00.000Z",
              duration_ms=12.5, path=None) -> dict:
    return {"id": uuid.uuid4().hex, "kind": "execution", "time": time, "course": course, "notebook": notebook,
            "path": path or (f"{course}/{notebook}" if course else "scratch.ipynb"), "cell": cell,
            "status": status, "duration_ms": duration_ms}


def notebook_order(cells, course="c1", notebook="lesson1.ipynb", time="2026-12-01T03:29:00.000Z") -> dict:
    return {"id": uuid.uuid4().hex, "kind": "notebook", "time": time, "course": course, "notebook": notebook,
            "cells": list(cells)}


def one_line(r) -> str:
    """The refusal's one line on an error page (whitespace folded); no traceback anywhere."""
    found = re.search(r'id="error-message">(?:<strong>\d+</strong>)?(.*?)</div>', r.text, re.S)
    assert found, r.text[:500]
    assert "Traceback" not in r.text
    return " ".join(unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def page_table(html: str, name: str) -> list[list[str]]:
    """The header and rows of the page's table ``name`` as text (data-table attribute)."""
    found = re.search(rf'<table[^>]*data-table="{name}"[^>]*>(.*?)</table>', html, re.S)
    assert found, f"no table {name}"
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S):
        if 'colspan="' in row:
            continue  # the "nothing yet" row
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def header_keys(html: str, name: str) -> list[str]:
    found = re.search(rf'<table[^>]*data-table="{name}"[^>]*>(.*?)</table>', html, re.S)
    return re.findall(r'data-column="([^"]+)"', found.group(1))
