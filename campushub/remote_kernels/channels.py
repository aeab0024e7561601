"""The kernel's websocket (api/kernels/ID/channels) relayed to EG's, for the
caller's own kernels only. The connection to EG is made before the caller's is
accepted, so a refusal (not theirs: 404; EG down: 503) is an HTTP answer, and
the subprotocol EG picks is the one the caller gets (jupyter_server's gateway
client asks for none: the legacy protocol; others pass through)."""

from __future__ import annotations

import logging

from tornado.httpclient import HTTPClientError
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from .base import FrontHandler
from .gateway import GatewayDown
from .kernels import KERNEL_ID
from .messages import GATEWAY_DOWN, GATEWAY_REFUSED, NO_KERNEL

log = logging.getLogger("campushub.remote_kernels")


class ChannelsHandler(WebSocketHandler, FrontHandler):
    upstream = None
    # EG's messages that arrive before the caller's side is open (a reconnect's replay)
    _pending: list | None = None

    async def get(self, kernel_id):
        await self.own(kernel_id)
        self._pending = []
        asked = self.request.headers.get("Sec-WebSocket-Protocol", "")
        subprotocols = [p.strip() for p in asked.split(",") if p.strip()]
        try:
            self.upstream = await self.gateway.channels(kernel_id, self.get_argument("session_id", None),
                                                        subprotocols, self._from_gateway)
        except GatewayDown:
            self.fail(503, GATEWAY_DOWN)
        except HTTPClientError as e:
            if e.code == 404:
                await self.settings["culling"].gone(kernel_id)
                self.fail(404, NO_KERNEL)
            self.fail(502, GATEWAY_REFUSED, reason=str(e.code))
        await super().get(kernel_id)
        if self.ws_connection is None:  # not a websocket request after all: tornado answered 400
            self.upstream.close()

    def select_subprotocol(self, subprotocols):
        return self.upstream.selected_subprotocol if self.upstream else None

    def open(self, kernel_id):
        pending, self._pending = self._pending or [], None
        for message in pending:
            self._from_gateway(message)

    def _from_gateway(self, message) -> None:
        if self._pending is not None:
            self._pending.append(message)
            return
        if message is None:  # EG closed it (kernel shut down, culled, EG stopped)
            self.close()
            return
        try:
            self.write_message(message, binary=isinstance(message, bytes))
        except WebSocketClosedError:
            self.upstream.close()

    async def on_message(self, message):
        try:
            await self.upstream.write_message(message, binary=isinstance(message, bytes))
        except WebSocketClosedError:
            self.close()

    def on_close(self):
        if self.upstream is not None:
            self.upstream.close()


ROUTES = [(rf"api/kernels/{KERNEL_ID}/channels", ChannelsHandler)]
