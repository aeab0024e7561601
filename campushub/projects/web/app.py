"""The tornado Application of the projects service: the pages and the API
under the service prefix, {prefix}metrics, HubOAuth's callback, and the operations the
handlers share (operations.py on the hub API and the deployment's storage)."""

from __future__ import annotations

from pathlib import Path

from jupyterhub.services.auth import HubOAuthCallbackHandler
from tornado import web

from ...webservice import metrics
from ...webservice.jinja import environment
from . import api, pages
from .base import NotFoundHandler

TEMPLATES = Path(__file__).with_name("templates")
MAX_BODY = 64 * 2**10  # forms and JSON of a few names


def make_app(*, operations, site_config: dict, prefix: str, hub_prefix: str, cookie_secret: bytes,
             hub_auth=None) -> web.Application:
    # {prefix}metrics: the process's own series, for the scrape the Service's annotations announce
    handlers = [metrics.route(prefix, metrics.new_registry())]
    handlers += [(prefix + pattern, handler) for module in (pages, api) for pattern, handler in module.ROUTES]
    handlers.append((prefix + "oauth_callback", HubOAuthCallbackHandler))
    handlers.append((prefix.rstrip("/") + "/?.*", NotFoundHandler))
    settings = {
        "operations": operations, "site_config": site_config, "service_prefix": prefix,
        "hub_prefix": hub_prefix, "cookie_secret": cookie_secret, "max_body": MAX_BODY,
        "language": (site_config.get("ui") or {}).get("language", "auto"), "jinja": environment(TEMPLATES),
        "default_handler_class": NotFoundHandler, "xsrf_cookies": False,
    }
    if hub_auth is not None:
        settings["hub_auth"] = hub_auth
    return web.Application(handlers, **settings)
