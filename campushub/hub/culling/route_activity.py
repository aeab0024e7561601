"""Activity the hub takes from the proxy, or not. configurable-http-proxy
counts every request it forwards, and an open JupyterLab tab polls its
server every few seconds: with that counted, a server nobody uses is never
idle while a forgotten tab is open, and the warning before a cull could
never come true. With culling on, the hub takes activity from the servers'
own reports (JUPYTERHUB_ACTIVITY_INTERVAL), in which our server extension
(singleuser/cull_warning.py) leaves out reads such as those polls."""

from __future__ import annotations

from jupyterhub.proxy import ConfigurableHTTPProxy
from traitlets import Bool
from traitlets.config import LoggingConfigurable


class RouteActivity(LoggingConfigurable):
    """A mixin for proxy classes."""

    route_activity = Bool(
        True, help="Take servers' last activity from the proxy's routes as well as from the servers' reports."
    ).tag(config=True)

    async def get_all_routes(self):
        routes = await super().get_all_routes()
        if not self.route_activity:
            for route in routes.values():
                # JupyterHub.update_last_activity skips routes without it
                route.get("data", {}).pop("last_activity", None)
        return routes


class ServerActivityCHP(RouteActivity, ConfigurableHTTPProxy):
    """The chart's configurable-http-proxy, as JupyterHub's default class talks to it."""
