"""The kernel's websocket (api/kernels/ID/channels) relayed to EG's, for the
caller's own kernels only. The connection to EG is made before the caller's is
accepted, so a refusal (not theirs: 404; EG down: 503) is an HTTP answer, and
the subprotocol EG picks is the one the caller gets (jupyter_server's gateway
client asks for none: the legacy protocol; others pass through).

Each open websocket may hold a client message of up to app.CLIENT_MESSAGE twice (tornado's frame and
the relay's copy) in the one front everybody shares, so a person has at most MAX_PER_KERNEL of them to
one kernel and MAX_PER_PERSON in all; JupyterLab opens one per kernel session (a notebook, a console)."""

from __future__ import annotations

import logging
from collections import Counter

from tornado.httpclient import HTTPClientError
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from .base import FrontHandler
from .gateway import GatewayDown
from .kernels import KERNEL_ID
from .messages import GATEWAY_DOWN, GATEWAY_REFUSED, NO_KERNEL, TOO_MANY_CHANNELS

log = logging.getLogger("campushub.remote_kernels")
MAX_PER_PERSON, MAX_PER_KERNEL = 16, 4


class OpenChannels:
    """How many channel websockets are open, by person and by kernel."""

    def __init__(self, per_person: int = MAX_PER_PERSON, per_kernel: int = MAX_PER_KERNEL):
        self.per_person, self.per_kernel = per_person, per_kernel
        self.people: Counter[str] = Counter()
        self.kernels: Counter[str] = Counter()

    def take(self, person: str, kernel_id: str) -> int | None:
        """Count one more; or the limit it would pass (nothing counted)."""
        if self.people[person] >= self.per_person:
            return self.per_person
        if self.kernels[kernel_id] >= self.per_kernel:
            return self.per_kernel
        self.people[person] += 1
        self.kernels[kernel_id] += 1
        return None

    def give_back(self, person: str, kernel_id: str) -> None:
        for counter, key in ((self.people, person), (self.kernels, kernel_id)):
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]


class ChannelsHandler(WebSocketHandler, FrontHandler):
    upstream = None
    # EG's messages that arrive before the caller's side is open (a reconnect's replay)
    _pending: list | None = None
    _counted: tuple[str, str] | None = None

    async def get(self, kernel_id):
        await self.own(kernel_id)
        refused = self.settings["open_channels"].take(self.person, kernel_id)
        if refused is not None:
            self.fail(429, TOO_MANY_CHANNELS, count=refused)
        self._counted = (self.person, kernel_id)
        try:
            await self._connect(kernel_id)
        finally:
            if self.ws_connection is None:  # refused, or not a websocket: on_close will not come
                self._give_back()

    def _give_back(self) -> None:
        if self._counted is not None:
            self.settings["open_channels"].give_back(*self._counted)
            self._counted = None

    async def _connect(self, kernel_id):
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
        self._give_back()
        if self.upstream is not None:
            self.upstream.close()


ROUTES = [(rf"api/kernels/{KERNEL_ID}/channels", ChannelsHandler)]
