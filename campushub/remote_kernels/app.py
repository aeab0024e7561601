"""The tornado Application of the front: EG's REST paths and kernel websockets
under the service prefix (where CAMPUSHUB_GATEWAY_URL points user servers),
the culled-kernel answers, {prefix}metrics (metrics.py), and a JSON 404 for anything else."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from tornado import web

from ..webservice import metrics
from . import channels, culled, kernels, kernelspecs
from . import metrics as series
from .base import FrontHandler
from .gateway import START_TIMEOUT
from .messages import NO_KERNEL
from .pace import Pace

MAX_BODY = 64 * 2**10  # a kernel start's name and a few variables
# jupyter_server's own limit for what a browser sends a kernel (tornado's default, which it keeps): the
# user's server relays a JupyterLab message unchanged, so nothing it accepts is refused here (a widget's
# file upload is a comm message of that size; notebooks and files go through contents, not kernels)
CLIENT_MESSAGE = 10 * 2**20


class RootHandler(web.RequestHandler):
    """The bare prefix, unauthenticated: `up` waits for it to answer, as for our other services. Says nothing
    of kernels or people."""

    def get(self):
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish('{"service": "remote-kernels"}')


class NotFoundHandler(FrontHandler):
    async def prepare(self):
        await super().prepare()  # who asks first: a stranger learns nothing of the paths
        self.fail(404, NO_KERNEL)


def make_app(*, store, gateway, people, culling, site_config: dict, prefix: str, extra_env,
             hub_auth=None) -> web.Application:
    handlers = [metrics.route(prefix, series.registry(store)), (prefix, RootHandler)]
    # channels first: its path is a kernel's path plus /channels
    handlers += [(prefix + pattern, handler) for module in (channels, kernels, kernelspecs, culled)
                 for pattern, handler in module.ROUTES]
    handlers.append((prefix.rstrip("/") + "/?.*", NotFoundHandler))
    settings = {
        "store": store, "gateway": gateway, "people": people, "culling": culling, "extra_env": extra_env,
        "site_config": site_config, "service_prefix": prefix, "max_body": MAX_BODY, "start_timeout": START_TIMEOUT,
        "language": (site_config.get("ui") or {}).get("language", "auto"),
        "default_handler_class": NotFoundHandler, "xsrf_cookies": False,
        # what a client may send in one message; the gateway's answers may be larger (gateway.MAX_MESSAGE,
        # on the upstream connection)
        "websocket_max_message_size": CLIENT_MESSAGE, "start_locks": defaultdict(asyncio.Lock),
        "launches": Pace(), "open_channels": channels.OpenChannels(),
    }
    if hub_auth is not None:
        settings["hub_auth"] = hub_auth
    return web.Application(handlers, **settings)
