"""The jobs page's BaseHandler: the shared one (webservice/handler.py: HubOAuth,
language, XSRF on every POST, one-line errors) plus the jobs service's
object the pages ask (settings["jobs"], operations.Jobs) and its refusals
(model.Invalid) shown as one translated line."""

from __future__ import annotations

from ...i18n import N_
from ...webservice import handler
from ...webservice.handler import NotFound
from ..model import Invalid

PEOPLE_ONLY = N_("Open this page signed in as a person, not with a service's token.")


class BaseHandler(handler.BaseHandler):
    needs_roles = False  # no courses here

    @property
    def jobs(self):
        return self.settings["jobs"]

    def person(self) -> str:
        """The signed-in person's name; service tokens are refused."""
        if not self.user_name:
            self.fail(403, PEOPLE_ONLY)
        return self.user_name

    def refusal(self, error):
        if isinstance(error, Invalid):  # the model's and the service's one-line refusals
            return error.status, error.message, error.params
        return super().refusal(error)


class NotFoundHandler(NotFound, BaseHandler):
    pass
