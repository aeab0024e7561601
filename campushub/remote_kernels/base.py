"""The front's BaseHandler: the shared one (webservice/handler.py: language,
one translated line as JSON for every refusal) authenticating with the hub
token alone. HubAuth, not HubOAuth: the callers are notebook servers with
their JUPYTERHUB_API_TOKEN, a browser has no business here, so no cookie is
ever accepted or set. The token is checked with the hub without holding the
event loop (HubAuth's async path); hub_scopes (JUPYTERHUB_OAUTH_ACCESS_SCOPES)
require access:services!service=remote-kernels."""

from __future__ import annotations

from jupyterhub.services.auth import HubAuth, UserNotAllowed
from tornado import web

from ..projects.web.hubapi import HubError
from ..webservice import handler
from ..webservice.handler import NOT_SIGNED_IN
from . import access
from .gateway import GatewayDown
from .messages import GATEWAY_DOWN, HUB_DOWN, NO_KERNEL, NOT_FOR_YOU, PEOPLE_ONLY


class FrontHandler(handler.BaseHandler):
    json_errors = True
    needs_roles = False
    hub_auth_class = HubAuth

    def check_xsrf_cookie(self):
        return None  # token requests only: no cookie could carry a forged request here

    async def prepare(self):
        limit = self.settings.get("max_body")
        if limit and len(self.request.body or b"") > limit:
            self.fail(413, handler.TOO_BIG, limit=f"{limit / 2**10:.0f} KiB")
        try:
            model = await self.hub_auth.get_user(self, sync=False)
        except web.HTTPError as e:  # HubAuth's own for a hub it could not ask
            if e.status_code < 500:
                raise
            self.fail(503, HUB_DOWN)
        try:
            model = self.check_hub_user(model) if model else None
        except UserNotAllowed:
            model = None  # a token without access to this service
        if not model:
            self.fail(403, NOT_SIGNED_IN)
        if model.get("kind", "user") != "user":
            self.fail(403, PEOPLE_ONLY)
        self.current_user = model

    @property
    def person(self) -> str:
        return self.current_user["name"]

    @property
    def gateway(self):
        return self.settings["gateway"]

    async def groups(self) -> list[str]:
        return await self.from_hub(self.settings["people"].groups(self.person))

    async def from_hub(self, asked):
        """The hub's answer (a coroutine of people.py); one line when the hub fails."""
        try:
            return await asked
        except (HubError, OSError):
            self.fail(503, HUB_DOWN)

    async def kernelspecs(self) -> list[str]:
        """What this person may start; refuses people the site gives no remote kernels."""
        allowed = access.kernelspecs(self.site, await self.groups())
        if not allowed:
            self.fail(403, NOT_FOR_YOU)
        return allowed

    async def own(self, kernel_id: str) -> dict:
        """The person's running kernel; anyone else's, or one that ended, is not found (404): no one learns
        which ids exist."""
        row = await self.off_loop(self.store.get, kernel_id)
        if row is None or row["owner"] != self.person or row["state"] != "running":
            self.fail(404, NO_KERNEL)
        return row

    async def call(self, method: str, path: str, body=None, **kwargs):
        try:
            return await self.gateway.call(method, path, body, **kwargs)
        except GatewayDown:
            self.fail(503, GATEWAY_DOWN)
