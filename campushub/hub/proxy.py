"""configurable-http-proxy, run by `campushub up` as its own process, with two guarantees.

1. "Ready" means "routed": add_route() returns only once the proxy's table
   shows the route. Otherwise a browser sent on to /user/NAME/ may land on
   the hub instead of the server and meet a 403 `_xsrf` or a redirect loop.
2. Lost routes come back within seconds: with an external proxy, stock
   JupyterHub compares its routes with the proxy's only every
   `last_activity_interval` (5 minutes), so after a proxy restart every
   learner is locked out of a running server for up to that long.
"""

from __future__ import annotations

import asyncio
import time

from jupyterhub.proxy import ConfigurableHTTPProxy
from tornado.ioloop import PeriodicCallback
from traitlets import Float, Integer

from .culling.route_activity import RouteActivity


class VerifiedRouteProxy(RouteActivity, ConfigurableHTTPProxy):
    route_confirm_timeout = Float(
        10, help="Seconds to wait for the proxy to show a route just added."
    ).tag(config=True)
    route_check_interval = Integer(
        10, help="Seconds between comparisons of the proxy's routes with the hub's (0: never)."
    ).tag(config=True)

    _reconciler = None

    async def add_route(self, routespec, target, data):
        await super().add_route(routespec, target, data)
        deadline = time.monotonic() + self.route_confirm_timeout
        while True:
            route = (await super().get_all_routes()).get(routespec)
            if route and route.get("target") == target:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the proxy did not take the route {routespec} -> {target}")
            self.log.warning("Route %s is missing from the proxy; adding it again", routespec)
            await asyncio.sleep(0.2)
            await super().add_route(routespec, target, data)

    async def get_all_routes(self):
        # The hub calls this at startup, on its running event loop: the first
        # moment a periodic check can be scheduled without a hook of our own.
        if self.route_check_interval and self._reconciler is None and not self.should_start:
            self._reconciler = PeriodicCallback(self._reconcile, 1000 * self.route_check_interval)
            self._reconciler.start()
        return await super().get_all_routes()

    async def _reconcile(self):
        try:
            await self.check_routes(self.app.users, self.app._service_map)
        except Exception:  # a proxy that is down now will be checked again next round
            self.log.warning("Could not compare routes with the proxy", exc_info=True)
