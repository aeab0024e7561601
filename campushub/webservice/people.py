"""Who is a tutor or learner of which course, for our hub services: the site
configuration's `courses` (their learners_group and tutors_group) and the
hub's groups, looked up with the service's own token. No second list of people: the hub
is the only source, and hub admins count as tutors of every course.

Lookups are cached briefly (a group change reaches the pages within
``ttl`` seconds) so a page does not ask the hub again for every role check.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request

from tornado.httpclient import AsyncHTTPClient, HTTPClientError

TUTOR, LEARNER = "tutor", "learner"
GONE = "gone"  # set (True) only in the stand-in model refresh() gives for a name the hub has no user of


class People:
    def __init__(self, courses: dict, api_url: str, token: str, ttl: float = 10.0):
        self.courses = courses
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.ttl = ttl
        self._users: dict[str, tuple[float, dict | None]] = {}
        self._groups: dict[str, tuple[float, list[str]]] = {}
        self._group_models: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()

    def _fresh(self, cache: dict, key: str):
        with self._lock:
            hit = cache.get(key)
        return hit[1] if hit and time.monotonic() - hit[0] < self.ttl else None

    def _keep(self, cache: dict, key: str, value) -> None:
        with self._lock:
            cache[key] = (time.monotonic(), value)

    def _headers(self) -> dict:
        return {"Authorization": f"token {self.token}", "Accept": "application/json"}

    def _url(self, kind: str, name: str) -> str:
        return f"{self.api_url}/{kind}/{urllib.parse.quote(name, safe='')}"

    async def refresh(self, name: str) -> dict | None:
        """Fetch (unless cached) the hub's model of user ``name``, without blocking the loop."""
        cached = self._fresh(self._users, name)
        if cached is not None:
            return cached
        try:
            r = await AsyncHTTPClient().fetch(self._url("users", name), headers=self._headers(), request_timeout=20)
            model = json.loads(r.body)
        except HTTPClientError as e:
            if e.code != 404:
                raise
            model = {"name": name, "admin": False, "groups": [], GONE: True}
        self._keep(self._users, name, model)
        return model

    async def group(self, name: str) -> dict | None:
        """The hub's model of group ``name`` with its properties (None when there is none),
        without blocking the loop; the service's role needs read:groups."""
        cached = self._fresh(self._group_models, name)
        if cached is not None:
            return cached or None
        try:
            r = await AsyncHTTPClient().fetch(self._url("groups", name), headers=self._headers(), request_timeout=20)
            model = json.loads(r.body)
        except HTTPClientError as e:
            if e.code != 404:
                raise
            model = {}
        self._keep(self._group_models, name, model)
        return model or None

    def _user(self, name: str) -> dict:
        cached = self._fresh(self._users, name)
        if cached is not None:
            return cached
        model = self._get("users", name) or {"name": name, "admin": False, "groups": []}
        self._keep(self._users, name, model)
        return model

    def _get(self, kind: str, name: str) -> dict | None:
        request = urllib.request.Request(self._url(kind, name), headers=self._headers())
        try:
            with urllib.request.urlopen(request, timeout=20) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def is_admin(self, name: str) -> bool:
        return bool(self._user(name).get("admin"))

    def role(self, name: str | None, course: str) -> str | None:
        """"tutor", "learner" or None; a tutor who is also in the learners group is a tutor."""
        spec = self.courses.get(course)
        if not name or spec is None:
            return None
        user = self._user(name)
        groups = set(user.get("groups") or [])
        if user.get("admin") or spec["tutors_group"] in groups:
            return TUTOR
        if spec["learners_group"] in groups:
            return LEARNER
        return None

    def courses_of(self, name: str | None) -> dict[str, str]:
        """{course: role} for every course the user has a role in, in configuration order."""
        found = {}
        for course in self.courses:
            role = self.role(name, course)
            if role:
                found[course] = role
        return found

    def learners(self, course: str) -> list[str]:
        """The members of the course's learners group, sorted (tutors and admins not added)."""
        spec = self.courses.get(course)
        if spec is None:
            return []
        group = spec["learners_group"]
        cached = self._fresh(self._groups, group)
        if cached is None:
            model = self._get("groups", group) or {}
            cached = sorted(model.get("users") or [])
            self._keep(self._groups, group, cached)
        return list(cached)
