"""GET {prefix}metrics of our hub services: Prometheus' text format from the
process's own CollectorRegistry, for tokens holding ``read:metrics`` only, as
the hub's /hub/metrics with authenticate_prometheus.

We do not go through HubAuthenticated.get_current_user: it also demands the
service's access scope (access:services!service=NAME), which a monitoring
token scoped to ``read:metrics`` alone does not carry. Instead the token is
resolved with HubAuth.user_for_token (the hub's /api/user, whose model lists
the token's own scopes) and checked with JupyterHub's check_scopes. HubAuth
caches the answer per token for its cache_max_age (5 minutes by default), so
a scrape every 15 s costs the hub one request per token and period.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from jupyterhub.services.auth import HubOAuth, check_scopes
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from tornado import web
from tornado.ioloop import IOLoop

from ..i18n import N_, negotiate, translate

log = logging.getLogger("campushub.metrics")
SCOPE = "read:metrics"
REFUSED = N_("Reading these metrics needs a hub token with the read:metrics scope, "
             "sent as \"Authorization: token ...\".")
HUB_AWAY = N_("The hub could not be asked about this token: try again in a moment.")
_HEADER = re.compile(r"(?:token|bearer)\s+(\S+)\s*$", re.IGNORECASE)


def new_registry() -> CollectorRegistry:
    """A registry of this process's own: its series plus the standard process_* and python_info."""
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    return registry


class AtScrape(Collector):
    """Series counted afresh at each scrape (in a service's database, so that
    replicas and restarts agree): ``build(read())`` gives the metric families;
    ``build(None)`` the same families without samples, to describe them
    without a query. A failing ``read`` is logged and the scrape goes on
    without these series."""

    def __init__(self, read: Callable[[], object], build: Callable[[object | None], list]):
        self.read, self.build = read, build

    def describe(self):
        return self.build(None)

    def collect(self):
        try:
            found = self.read()
        except Exception:  # noqa: BLE001 -- a database away for a moment must not fail the whole scrape
            log.exception("metrics: could not read the counts")
            return []
        return self.build(found)


def token_of(header: str | None) -> str:
    """The token of ``Authorization: token X`` or ``Bearer X``; "" otherwise."""
    found = _HEADER.match((header or "").strip())
    return found.group(1) if found else ""


class MetricsHandler(web.RequestHandler):
    def initialize(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    @property
    def hub_auth(self):
        # the app's own (tests, services passing one), else the service's HubOAuth from its environment
        return self.settings.get("hub_auth") or HubOAuth.instance()

    async def get(self) -> None:
        token = token_of(self.request.headers.get("Authorization"))
        try:
            model = await self.hub_auth.user_for_token(token, sync=False) if token else None
        except web.HTTPError as e:  # HubAuth's own for an unreachable or failing hub
            log.warning("metrics: checking a token failed: %s", e.log_message)
            return self._refuse(503, HUB_AWAY)
        if not model or not check_scopes({SCOPE}, set(model.get("scopes") or ())):
            if model:
                log.info("metrics refused to %s %s: no %s", model.get("kind", "user"), model.get("name"), SCOPE)
            return self._refuse(403, REFUSED)
        # in a worker thread: the counts are queries over whole tables, and every page and batch waits on this loop
        text = await IOLoop.current().run_in_executor(None, generate_latest, self.registry)
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(text)

    def _refuse(self, status: int, message: str) -> None:
        lang = negotiate(self.request.headers.get("Accept-Language"), self.settings.get("language", "auto"))
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(translate(lang, message) + "\n")


def route(prefix: str, registry: CollectorRegistry) -> tuple:
    """The tornado route of ``{prefix}metrics`` serving ``registry``."""
    return (prefix + "metrics", MetricsHandler, {"registry": registry})
