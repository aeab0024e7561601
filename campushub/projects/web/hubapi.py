"""The hub's REST API as the projects service uses it, with its own token
(role campushub-projects, hub/services.py): groups read and written, users'
names, admin flags and groups read, the shares granted to a group read.

Every call is asynchronous (the service's one event loop is never held by the
hub) and fresh: a membership change must be seen by the next request, so
nothing is cached here.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from tornado.httpclient import AsyncHTTPClient, HTTPClientError

PAGINATED = "application/jupyterhub-pagination+json"
TIMEOUT = 20


class HubError(RuntimeError):
    """The hub refused or failed a call: status and its message."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status, self.message = status, message


class HubAPI:
    def __init__(self, api_url: str, token: str):
        self.api_url, self.token = api_url.rstrip("/"), token

    async def call(self, method: str, path: str, body=None, accept: str = "application/json"):
        """The decoded answer of one call (None for an empty one); HubError on a refusal."""
        headers = {"Authorization": f"token {self.token}", "Accept": accept}
        payload = None
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body), "application/json"
        try:
            # tornado refuses a DELETE with a body unless told it is meant (JupyterHub reads the users to remove)
            r = await AsyncHTTPClient().fetch(self.api_url + path, method=method, headers=headers, body=payload,
                                              request_timeout=TIMEOUT, allow_nonstandard_methods=True)
        except HTTPClientError as e:
            raise HubError(e.code, _message(e)) from None
        return json.loads(r.body) if r.body else None

    async def pages(self, path: str) -> list:
        """Every item of a paginated listing."""
        items, offset = [], 0
        while True:
            sep = "&" if "?" in path else "?"
            page = await self.call("GET", f"{path}{sep}offset={offset}&limit=200", accept=PAGINATED)
            if isinstance(page, list):  # a hub without pagination: the whole list at once
                return page
            items += page.get("items") or []
            following = (page.get("_pagination") or {}).get("next")
            if not following:
                return items
            offset = following["offset"]

    # -- users -------------------------------------------------------------------

    async def user(self, name: str) -> dict | None:
        """The hub's model of user `name` (name, admin, groups, last_activity), None when there is none."""
        try:
            return await self.call("GET", f"/users/{quote(name, safe='')}")
        except HubError as e:
            if e.status == 404:
                return None
            raise

    # -- groups ------------------------------------------------------------------

    async def groups(self) -> list[dict]:
        return await self.pages("/groups")

    async def group(self, name: str) -> dict | None:
        try:
            return await self.call("GET", f"/groups/{quote(name, safe='')}")
        except HubError as e:
            if e.status == 404:
                return None
            raise

    async def create_group(self, name: str, users: list[str]) -> dict:
        return await self.call("POST", f"/groups/{quote(name, safe='')}", {"users": users})

    async def delete_group(self, name: str) -> None:
        await self.call("DELETE", f"/groups/{quote(name, safe='')}")

    async def add_users(self, group: str, users: list[str]) -> dict:
        return await self.call("POST", f"/groups/{quote(group, safe='')}/users", {"users": users})

    async def remove_users(self, group: str, users: list[str]) -> dict:
        return await self.call("DELETE", f"/groups/{quote(group, safe='')}/users", {"users": users})

    async def set_properties(self, group: str, properties: dict) -> dict:
        return await self.call("PUT", f"/groups/{quote(group, safe='')}/properties", properties)

    async def shared_with(self, group: str) -> list[dict]:
        """The servers shared with the group (JupyterHub 5+ sharing): each {server: {user, name, url, ready}, ...}."""
        return await self.pages(f"/groups/{quote(group, safe='')}/shared")


def _message(error: HTTPClientError) -> str:
    try:
        return json.loads(error.response.body).get("message") or str(error)
    except (AttributeError, TypeError, ValueError):
        return str(error)
