"""BaseHandler: what every page and API handler of our hub services shares.

Who is asking (HubOAuth: the hub's cookie after the OAuth round trip, or an
``Authorization: token`` header), in which language, and how a refusal
looks: one translated line, as an HTML page in the hub's style (the
service's own error.html) or as JSON ``{"message": ...}`` for the API.
A cookie POST must carry the XSRF token; bodies over the app's max_body are
refused before they are read; no other site may frame the pages.
"""

from __future__ import annotations

import json
from typing import NoReturn

from jupyterhub.services.auth import HubOAuthenticated
from tornado import web
from tornado.ioloop import IOLoop

from ..i18n import N_, negotiate, translate

NOT_SIGNED_IN = N_("Sign in to the hub first, then open this page again.")
XSRF_FAILED = N_("This form has expired or did not come from this site: reload the page and try again.")
NOT_FOUND = N_("There is no such page.")
TOO_BIG = N_("The upload is larger than the limit of {limit}: send fewer or smaller files.")
INTERNAL = N_("Something went wrong on the server; try again, and tell the hub's administrator if it persists.")
# tornado's reasons for statuses we do not raise ourselves (e.g. an oversized body).
GENERIC = {400: N_("The request was malformed."), 403: N_("You may not do this."),
           405: N_("This page does not take that kind of request."),
           413: N_("The upload is too large.")}


class Failure(web.HTTPError):
    """A refusal with a translatable one-line message (see BaseHandler.fail)."""

    def __init__(self, status: int, message: str, **kwargs):
        super().__init__(status, log_message=message.replace("%", "%%"))
        self.message, self.kwargs = message, kwargs


class BaseHandler(HubOAuthenticated, web.RequestHandler):
    # API handlers answer errors as JSON; pages as an HTML page.
    json_errors = False
    # Handlers that never ask for course roles spare the hub a users lookup per request.
    needs_roles = True

    def set_default_headers(self):
        # No other site may frame these pages (clickjacking a tutor's or learner's form), as the hub's own.
        self.set_header("Content-Security-Policy", "frame-ancestors 'none'")

    # -- who -------------------------------------------------------------------

    @property
    def hub_auth(self):
        # the app's own when it was given one (tests, as webservice/metrics.py), else HubOAuth from the environment
        if self._hub_auth is None:
            self._hub_auth = self.settings.get("hub_auth") or self.hub_auth_class.instance()
        return self._hub_auth

    @hub_auth.setter
    def hub_auth(self, auth):
        self._hub_auth = auth

    async def prepare(self):
        length = self.request.headers.get("Content-Length", "0")
        limit = self.settings.get("max_body")
        # a chunked body has no Content-Length: the HTTP server read it already (up to its own, larger cap)
        if limit and (not length.isdigit() or int(length) > limit or len(self.request.body or b"") > limit):
            self.fail(413, TOO_BIG, limit=f"{limit / 2**20:.0f} MiB")
        user = self.current_user  # token first, then the OAuth cookie (HubOAuth)
        signed_in = user is not None or bool(self.get_cookie(self.hub_auth.cookie_name))
        if (self.request.method not in ("GET", "HEAD", "OPTIONS") and signed_in
                and not getattr(self, "_token_authenticated", False)):
            # A cookie alone proves nothing: another site's form can send it (without a
            # token, @web.authenticated refuses the request as not signed in).
            try:
                self.check_xsrf_cookie()
            except web.HTTPError:
                self.fail(403, XSRF_FAILED)
        if (user is not None and user.get("kind", "user") == "user" and self.needs_roles
                and self.settings.get("people")):
            # Course roles come from the hub's groups; fetch them now, off the
            # handler's synchronous path, so people.role() answers from cache.
            await self.people.refresh(user["name"])

    @property
    def user_name(self) -> str | None:
        user = self.current_user
        return user["name"] if user and user.get("kind", "user") == "user" else None

    @property
    def store(self):
        return self.settings["store"]

    @property
    def people(self):
        return self.settings["people"]

    @property
    def site(self) -> dict:
        """The site configuration (campushub.yaml, defaults filled in)."""
        return self.settings["site_config"]

    @property
    def prefix(self) -> str:
        """This service's URL prefix, e.g. /services/assignments/."""
        return self.settings["service_prefix"]

    # -- waiting off the loop ---------------------------------------------------------
    # A service has one event loop: a big course's queries or a slow hub answer
    # on it would hold up every other person's page meanwhile.

    async def off_loop(self, fn, *args):
        """fn(*args) in a worker thread (a store query, a synchronous hub lookup)."""
        return await IOLoop.current().run_in_executor(None, fn, *args)

    async def learners(self, course: str) -> list[str]:
        """The course's learners group; asking the hub (when not cached) waits, so not on the loop either."""
        return await self.off_loop(self.people.learners, course)

    # -- language ----------------------------------------------------------------

    @property
    def lang(self) -> str:
        # As the hub's own pages choose: the site's ui.language unless "auto",
        # then the browser's Accept-Language.
        return negotiate(self.request.headers.get("Accept-Language"), self.settings.get("language", "auto"))

    def _(self, text: str, /, **kwargs) -> str:
        # positional-only, as translate's: a message's placeholder may itself be called `text`
        return translate(self.lang, text, **kwargs)

    # -- output ------------------------------------------------------------------

    def render(self, template: str, **ctx) -> None:
        """Render a template of the service's templates folder (they extend base.html)."""
        self.finish(self.render_string(template, **ctx))

    def render_string(self, template: str, **ctx) -> str:
        hub_prefix = self.settings["hub_prefix"]
        namespace = {
            "prefix": self.prefix, "hub_prefix": hub_prefix, "user": self.current_user, "user_name": self.user_name,
            "lang": self.lang, "xsrf_token": self.xsrf_token.decode("ascii") if self.current_user else "",
            "xsrf_form_html": self.xsrf_form_html,
            # static_url lets campushub.i18n.jinja find this handler (current_language()).
            "static_url": self.static_url, "site": self.site,
        }
        namespace.update(ctx)
        return self.settings["jinja"].get_template(template).render(**namespace)

    def write_json(self, data, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(data, default=str))

    def fail(self, status: int, message: str, **kwargs) -> NoReturn:
        """Stop here with ``message`` (English source marked N_, placeholders
        in kwargs) translated, as one line: an HTML page or JSON."""
        raise Failure(status, message, **kwargs)

    def get_login_url(self):
        if self.json_errors or self.request.method not in ("GET", "HEAD"):
            self.fail(403, NOT_SIGNED_IN)  # no redirect for API calls and forms
        return super().get_login_url()

    def refusal(self, error) -> tuple[int, str, dict] | None:
        """(status, message, placeholders) when ``error`` is an expected refusal
        rather than a server error; a service adds its own (its store's errors)."""
        if isinstance(error, Failure):
            return error.status_code, error.message, error.kwargs
        return None

    def log_exception(self, typ, value, tb):
        if self.refusal(value) is not None:
            return  # an expected refusal, not a server error
        super().log_exception(typ, value, tb)

    def error_text(self, status_code: int, error) -> tuple[int, str]:
        refused = self.refusal(error)
        if refused is not None:
            return refused[0], self._(refused[1], **refused[2])
        if status_code == 403 and isinstance(error, web.HTTPError) and "xsrf" in str(error).lower():
            return status_code, self._(XSRF_FAILED)
        if status_code == 403 and self.current_user is None:
            return status_code, self._(NOT_SIGNED_IN)  # @web.authenticated refusing a POST
        if status_code == 404:
            return status_code, self._(NOT_FOUND)
        return status_code, self._(GENERIC.get(status_code, INTERNAL))

    def write_error(self, status_code: int, **kwargs) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        status, text = self.error_text(status_code, error)
        if status != status_code:
            self.set_status(status)
        self.clear_header("Content-Type")
        # the page names the signed-in person: for them alone, and asked again next time
        self.set_header("Cache-Control", "private, no-cache")
        if self.json_errors or "application/json" in self.request.headers.get("Accept", ""):
            self.set_header("Content-Type", "application/json; charset=UTF-8")
            self.finish(json.dumps({"message": text}))
            return
        try:
            self.finish(self.render_string("error.html", status=status, message=text))
        except Exception:  # a broken template must still answer in one line
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.finish(text + "\n")


class NotFound:
    """Unknown URLs under the prefix: the same one-line page, no login needed
    (mixed into a service's own BaseHandler, which may carry its HubOAuth)."""

    async def prepare(self):
        self.fail(404, NOT_FOUND)


class NotFoundHandler(NotFound, BaseHandler):
    pass
