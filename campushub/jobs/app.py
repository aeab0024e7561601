"""The tornado Application of the jobs service: the JSON API (api.py) and
the pages (web/pages.py) under the service prefix, {prefix}metrics, HubOAuth's
callback; settings["jobs"] is the Jobs object both ask (operations.py)."""

from __future__ import annotations

from jupyterhub.services.auth import HubOAuthCallbackHandler
from tornado import web

from ..webservice import metrics
from ..webservice.handler import NotFoundHandler
from ..webservice.jinja import environment
from . import api
from .web import TEMPLATES, pages

MAX_BODY = 256 * 2**10  # a submission: a path, parameters (at most 64 KiB of JSON) and a sweep


def make_app(*, jobs, site_config: dict, prefix: str, hub_prefix: str, cookie_secret: bytes,
             hub_auth=None) -> web.Application:
    handlers = [metrics.route(prefix, metrics.new_registry())]
    handlers += [(prefix + pattern, handler) for module in (api, pages) for pattern, handler in module.ROUTES]
    handlers.append((prefix + "oauth_callback", HubOAuthCallbackHandler))
    handlers.append((prefix + "api/.*", api.NotFoundApi))
    handlers.append((prefix.rstrip("/") + "/?.*", NotFoundHandler))
    settings = {
        "jobs": jobs, "site_config": site_config, "service_prefix": prefix, "hub_prefix": hub_prefix,
        "cookie_secret": cookie_secret, "max_body": MAX_BODY,
        "language": (site_config.get("ui") or {}).get("language", "auto"), "jinja": environment(TEMPLATES),
        "default_handler_class": NotFoundHandler, "xsrf_cookies": False,
    }
    if hub_auth is not None:
        settings["hub_auth"] = hub_auth
    return web.Application(handlers, **settings)
