"""The tornado Application of the analytics service: every page's ROUTES
under the service prefix, {prefix}metrics (webservice/metrics.py),
HubOAuth's callback, and the shared objects handlers reach through
BaseHandler (store, people, site config, Jinja)."""

from __future__ import annotations

from pathlib import Path

from jupyterhub.services.auth import HubOAuthCallbackHandler
from tornado import web

from ...webservice import metrics
from ...webservice.jinja import environment
from ..metrics import registry as metrics_registry
from . import course, home, learner, notebook, platform, records
from .base import NotFoundHandler

TEMPLATES = Path(__file__).with_name("templates")
PAGES = (home, course, notebook, learner, platform, records)


def make_app(*, store, people, site_config: dict, prefix: str, hub_prefix: str, cookie_secret: bytes,
             max_body: int, hub_auth=None) -> web.Application:
    handlers = [metrics.route(prefix, metrics_registry(store))]
    handlers += [(prefix + pattern, handler) for page in PAGES for pattern, handler in page.ROUTES]
    handlers.append((prefix + "oauth_callback", HubOAuthCallbackHandler))
    handlers.append((prefix.rstrip("/") + "/?.*", NotFoundHandler))
    settings = {
        "store": store, "people": people, "site_config": site_config, "service_prefix": prefix,
        "hub_prefix": hub_prefix, "cookie_secret": cookie_secret, "max_body": max_body,
        "language": (site_config.get("ui") or {}).get("language", "auto"), "jinja": environment(TEMPLATES),
        "default_handler_class": NotFoundHandler, "xsrf_cookies": False,
    }
    if hub_auth is not None:
        settings["hub_auth"] = hub_auth
    return web.Application(handlers, **settings)
