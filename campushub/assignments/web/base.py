"""BaseHandler: what every page and API handler of the service shares.

Who is asking (HubOAuth: the hub's cookie after the OAuth round trip, or an
``Authorization: token`` header), in which language, what they may do in a
course (web/people.py), and how a refusal looks: one translated line, as an
HTML page in the hub's style or as JSON ``{"message": ...}`` for the API.
"""

from __future__ import annotations

import json
from typing import NoReturn

from jupyterhub.services.auth import HubOAuthenticated
from tornado import web

from ...config.units import parse_bytes
from ...i18n import N_, negotiate, translate
from ..store import StoreError

NOT_SIGNED_IN = N_("Sign in to the hub first, then open this page again.")
XSRF_FAILED = N_("This form has expired or did not come from this site: reload the page and try again.")
NOT_FOUND = N_("There is no such page.")
NO_COURSE = N_("There is no course \"{course}\".")
NO_ASSIGNMENT = N_("Course {course} has no assignment \"{name}\".")
NOT_IN_COURSE = N_("You are not in course {course}.")
TUTORS_ONLY = N_("Only the tutors of course {course} may do this.")
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


# hub/services.py: the services of the campushub-operator role.
OPERATOR_SERVICES = ("campushub-cli", "campushub-automation")


class BaseHandler(HubOAuthenticated, web.RequestHandler):
    # API handlers answer errors as JSON; pages as an HTML page.
    json_errors = False

    def set_default_headers(self):
        # No other site may frame these pages (clickjacking a tutor's or learner's form), as the hub's own.
        self.set_header("Content-Security-Policy", "frame-ancestors 'none'")

    # -- who -------------------------------------------------------------------

    async def prepare(self):
        length = self.request.headers.get("Content-Length", "0")
        limit = self.settings.get("max_body")
        if limit and (not length.isdigit() or int(length) > limit):
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
        if user is not None and user.get("kind", "user") == "user":
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

    @property
    def operator(self) -> str | None:
        """The name of the operator's service calling with its token (`campushub assignment create` on the
        hub's machine, automation), which holds the campushub-operator role: it acts as a tutor everywhere."""
        user = self.current_user
        if user and user.get("kind") == "service" and user.get("name") in OPERATOR_SERVICES:
            return user["name"]
        return None

    def notebook_limit(self) -> int:
        """assignments.max_notebook_size in bytes; the schema's default where a hand-made site file has none."""
        return parse_bytes((self.site.get("assignments") or {}).get("max_notebook_size") or "5M")

    @property
    def actor(self) -> str | None:
        """Who did it, for the records: the user's name, or service:NAME for an operator service."""
        return self.user_name or (f"service:{self.operator}" if self.operator else None)

    def role(self, course: str) -> str | None:
        """"tutor", "learner" or None for the current user in ``course``."""
        if self.operator:
            return "tutor"
        return self.people.role(self.user_name, course) if self.user_name else None

    def course_or_404(self, course: str) -> dict:
        spec = self.site.get("courses", {}).get(course)
        if spec is None:
            self.fail(404, NO_COURSE, course=course)
        return spec

    def require_role(self, course: str, *roles: str) -> str:
        """The user's role in ``course`` if it is one of ``roles``; else a refusal."""
        self.course_or_404(course)
        role = self.role(course)
        if role not in roles:
            self.fail(403, TUTORS_ONLY if roles == ("tutor",) else NOT_IN_COURSE, course=course)
        return role

    def assignment_or_404(self, course: str, name: str, *, released_only: bool = False) -> dict:
        found = self.store.assignment(course, name)
        if found is None or (released_only and found["released_at"] is None):
            self.fail(404, NO_ASSIGNMENT, course=course, name=name)
        return found

    # -- language ----------------------------------------------------------------

    @property
    def lang(self) -> str:
        # As the hub's own pages choose: the site's ui.language unless "auto",
        # then the browser's Accept-Language.
        return negotiate(self.request.headers.get("Accept-Language"), self.settings.get("language", "auto"))

    def _(self, text: str, **kwargs) -> str:
        return translate(self.lang, text, **kwargs)

    # -- output ------------------------------------------------------------------

    def render(self, template: str, **ctx) -> None:
        """Render a template of web/templates (they extend base.html)."""
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

    def on_finish(self):
        # A POST that succeeded may have queued an autograding job: let an idle worker look now.
        if self.request.method == "POST" and self.get_status() < 400 and self.settings.get("on_change"):
            self.settings["on_change"]()

    def log_exception(self, typ, value, tb):
        if isinstance(value, (Failure, StoreError)):
            return  # an expected refusal, not a server error
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, Failure):
            text = self._(error.message, **error.kwargs)
        elif isinstance(error, StoreError):
            status_code, text = 400, self._(error.message, **error.kwargs)
            self.set_status(400)
        elif status_code == 403 and isinstance(error, web.HTTPError) and "xsrf" in str(error).lower():
            text = self._(XSRF_FAILED)
        elif status_code == 403 and self.current_user is None:
            text = self._(NOT_SIGNED_IN)  # @web.authenticated refusing a POST
        elif status_code == 404:
            text = self._(NOT_FOUND)
        elif status_code in GENERIC:
            text = self._(GENERIC[status_code])
        else:
            text = self._(INTERNAL)
        self.clear_header("Content-Type")
        if self.json_errors or "application/json" in self.request.headers.get("Accept", ""):
            self.set_header("Content-Type", "application/json; charset=UTF-8")
            self.finish(json.dumps({"message": text}))
            return
        try:
            self.finish(self.render_string("error.html", status=status_code, message=text))
        except Exception:  # a broken template must still answer in one line
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.finish(text + "\n")


class NotFoundHandler(BaseHandler):
    """Unknown URLs under the prefix: the same one-line page, no login needed."""

    async def prepare(self):
        self.fail(404, NOT_FOUND)
