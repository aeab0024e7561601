"""The jobs page's BaseHandler: the shared one (webservice/handler.py: HubOAuth,
language, XSRF on every POST, one-line errors) plus the jobs service's
object the pages ask (settings["jobs"], campushub/jobs/service.py) and its
refusals shown as one translated line."""

from __future__ import annotations

import inspect

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

    async def ask(self, method: str, *args):
        """The service's method: awaited when it is a coroutine, else in a worker thread (it reads SQLite)."""
        fn = getattr(self.jobs, method)
        if inspect.iscoroutinefunction(fn):
            return await fn(*args)
        return await self.off_loop(fn, *args)

    def refusal(self, error):
        if isinstance(error, Invalid):  # the model's and the service's one-line refusals
            return getattr(error, "status", 400), error.message, error.params
        return super().refusal(error)


class NotFoundHandler(NotFound, BaseHandler):
    pass
