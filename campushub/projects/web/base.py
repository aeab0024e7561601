"""The projects service's BaseHandler: the shared one (webservice/handler.py:
HubOAuth, language, XSRF on every POST, one-line errors) plus the signed-in
person's hub model and the service's operations, with their refusals
(rules.Refused, storage.DeleteRefused) shown as one translated line."""

from __future__ import annotations

from ...i18n import N_
from ...webservice import handler
from ...webservice.handler import NotFound
from .rules import Refused
from .storage import DeleteRefused

PEOPLE_ONLY = N_("Open this page signed in as a person, not with a service's token.")


class BaseHandler(handler.BaseHandler):
    needs_roles = False  # no courses here: the person's hub model is fetched by person()

    @property
    def ops(self):
        return self.settings["operations"]

    async def person(self) -> dict:
        """The signed-in person's hub model; service tokens are refused."""
        if not self.user_name:
            self.fail(403, PEOPLE_ONLY)
        return await self.ops.person(self.user_name)

    def refusal(self, error):
        if isinstance(error, (Refused, DeleteRefused)):
            return getattr(error, "status", 409), error.message, error.values
        return super().refusal(error)


class NotFoundHandler(NotFound, BaseHandler):
    pass
