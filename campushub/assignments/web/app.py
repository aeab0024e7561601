"""The tornado Application of the assignments service: every page's ROUTES
(learner, instructor, tutor pages and the JSON API) under the service prefix,
HubOAuth's callback, and the shared objects handlers reach through
BaseHandler (store, people, site config, Jinja environment)."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from jupyterhub.services.auth import HubOAuthCallbackHandler
from tornado import web

from ...webservice import metrics
from ...webservice.jinja import environment
from ..metrics import registry as metrics_registry
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


def make_app(*, store, people, site_config: dict, prefix: str, hub_prefix: str, cookie_secret: bytes,
             max_body: int, on_change=None, hub_auth=None) -> web.Application:
    language = (site_config.get("ui") or {}).get("language", "auto")
    handlers = [metrics.route(prefix, metrics_registry(store))]
    handlers += [(prefix + pattern, handler) for pattern, handler in routes()]
    handlers.append((prefix + "oauth_callback", HubOAuthCallbackHandler))
    handlers.append((prefix.rstrip("/") + "/?.*", NotFoundHandler))
    settings = {
        "store": store, "people": people, "site_config": site_config, "service_prefix": prefix,
        "hub_prefix": hub_prefix, "cookie_secret": cookie_secret, "language": language, "max_body": max_body,
        "on_change": on_change, "jinja": environment(TEMPLATES),
        "default_handler_class": NotFoundHandler, "xsrf_cookies": False,
    }
    if hub_auth is not None:
        settings["hub_auth"] = hub_auth
    allow_folder_uploads()  # a source folder's files, each one multipart part
    return web.Application(handlers, **settings)
