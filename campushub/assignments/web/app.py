"""The tornado Application of the assignments service: every page's ROUTES
(learner, instructor, tutor pages and the JSON API) under the service prefix,
HubOAuth's callback, and the shared objects handlers reach through
BaseHandler (store, people, site config, Jinja environment)."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

import jinja2
from jupyterhub.services.auth import HubOAuthCallbackHandler
from tornado import web

from ...i18n import translate, translate_message
from ...i18n.jinja import I18nExtension
from .base import NotFoundHandler
from .source_upload import allow_folder_uploads

log = logging.getLogger("campushub.assignments")
TEMPLATES = Path(__file__).with_name("templates")
PAGES = ("learner", "instructor", "tutor", "api")


def routes() -> list:
    """ROUTES of each page module, in PAGES order (the learner's assignment page
    before the tutor's, which shares its URL and hands tutors the gradebook)."""
    found = []
    for name in PAGES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__package__}.{name}":
                raise
            log.warning("assignments pages %s are not installed", name)
            continue
        found.extend(module.ROUTES)
    return found


def _language(context) -> str:
    # Every page passes static_url, a method of the handler rendering it (BaseHandler.render_string).
    handler = getattr(context.get("static_url"), "__self__", None)
    return handler.lang if handler is not None else "en"


@jinja2.pass_context
def _current_language(context) -> str:
    return _language(context)


@jinja2.pass_context
def _gettext(context, message: str, /, **kwargs) -> str:
    return translate(_language(context), message, **kwargs)


@jinja2.pass_context
def _translate_message(context, message, known) -> str:
    return translate_message(_language(context), message, known)


def jinja_environment() -> jinja2.Environment:
    """The hub's i18n extension (N_, the catalog checks), with the language
    the page's handler chose (BaseHandler.lang: the site's ui.language, else
    the browser's) rather than the extension's process-wide setting."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                     extensions=[I18nExtension])
    environment.globals.update(_=_gettext, gettext=_gettext, current_language=_current_language,
                               translate_message=_translate_message)
    return environment


def make_app(*, store, people, site_config: dict, prefix: str, hub_prefix: str, cookie_secret: bytes,
             max_body: int, on_change=None, hub_auth=None) -> web.Application:
    language = (site_config.get("ui") or {}).get("language", "auto")
    handlers = [(prefix + pattern, handler) for pattern, handler in routes()]
    handlers.append((prefix + "oauth_callback", HubOAuthCallbackHandler))
    handlers.append((prefix.rstrip("/") + "/?.*", NotFoundHandler))
    settings = {
        "store": store, "people": people, "site_config": site_config, "service_prefix": prefix,
        "hub_prefix": hub_prefix, "cookie_secret": cookie_secret, "language": language, "max_body": max_body,
        "on_change": on_change, "jinja": jinja_environment(),
        "default_handler_class": NotFoundHandler, "xsrf_cookies": False,
    }
    if hub_auth is not None:
        settings["hub_auth"] = hub_auth
    allow_folder_uploads()  # a source folder's files, each one multipart part
    return web.Application(handlers, **settings)
