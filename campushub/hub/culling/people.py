"""Whose servers run: the hub's users with a ready server, their groups and
admin flag, read with the culler's own token (its role: hub/services.py)."""

from __future__ import annotations

import json

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.httputil import url_concat


async def ready_users(api_url: str, token: str) -> list[dict]:
    client = AsyncHTTPClient()
    headers = {"Authorization": f"token {token}", "Accept": "application/jupyterhub-pagination+json"}
    url: str | None = url_concat(f"{api_url.rstrip('/')}/users", {"state": "ready"})
    users: list[dict] = []
    while url:
        response = await client.fetch(HTTPRequest(url, headers=headers, request_timeout=60))
        page = json.loads(response.body)
        if isinstance(page, list):  # a hub answering without pagination
            return page
        users.extend(page["items"])
        following = page["_pagination"]["next"]
        url = following["url"] if following else None
    return users
