"""One kernel websocket per server, as JupyterLab talks to it; one timed `execute_request` at a time.

The websocket speaks the v1 kernel protocol JupyterLab asks for
(`v1.kernel.websocket.jupyter.org`, jupyter_server's own serialisation), and
each execute_request carries the metadata JupyterLab 4 sends, `cellId`
included, which is where the extension takes the cell from. The clock runs
from just before the request is written to the moment both its
execute_reply (shell) and its `status: idle` (iopub) have arrived.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import time
import uuid

from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

PROTOCOL = "v1.kernel.websocket.jupyter.org"
CODE = "pass"


class KernelClient:
    def __init__(self, ws, session: str, quickack: bool = True):
        self.ws, self.session, self.quickack = ws, session, quickack

    @classmethod
    async def connect(cls, port: int, token: str, kernel_id: str, quickack: bool = True) -> KernelClient:
        session = uuid.uuid4().hex
        url = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?session_id={session}"
        ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}),
                                     subprotocols=[PROTOCOL])
        if ws.selected_subprotocol != PROTOCOL:
            raise RuntimeError(f"the server chose the kernel protocol {ws.selected_subprotocol!r}, not {PROTOCOL}")
        return cls(ws, session, quickack)

    def _request(self, cell: str) -> tuple[str, bytes]:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "execute_request", "username": "", "session": self.session,
                  "date": dt.datetime.now(dt.UTC).isoformat(), "version": "5.3"}
        metadata = {"deletedCells": [], "recordTiming": False, "cellId": cell, "trusted": True}
        content = {"code": CODE, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": True, "stop_on_error": True}
        parts = [json.dumps(x).encode() for x in (header, {}, metadata, content)]
        return msg_id, serialize_msg_to_ws_v1(parts, "shell")

    async def execute(self, cell: str, timeout: float = 30) -> tuple[float, float, str]:
        """(ms to execute_reply, ms to reply and idle both, reply status)."""
        msg_id, frame = self._request(cell)
        replied = idle = None
        status = "?"
        self._quickack()
        t0 = time.perf_counter()
        await self.ws.write_message(frame, binary=True)
        deadline = t0 + timeout
        while replied is None or idle is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no execute_reply and idle within {timeout:g} s")
            raw = await asyncio.wait_for(self.ws.read_message(), left)
            now = time.perf_counter()
            if raw is None:
                raise ConnectionError("the kernel websocket closed")
            self._quickack()
            channel, parts = deserialize_msg_from_ws_v1(raw)
            if json.loads(parts[1]).get("msg_id") != msg_id:
                continue
            kind = json.loads(parts[0])["msg_type"]
            if channel == "shell" and kind == "execute_reply":
                replied, status = now, json.loads(parts[3]).get("status", "?")
            elif channel == "iopub" and kind == "status" and json.loads(parts[3]).get("execution_state") == "idle":
                idle = now
        return (replied - t0) * 1000, (max(replied, idle) - t0) * 1000, status

    def _quickack(self) -> None:
        # The server writes a cell's messages (busy, execute_input, reply, idle) as
        # separate small segments without TCP_NODELAY: after the first, Nagle holds
        # each until the client ACKs, and Linux delays that ACK by ~40 ms. That
        # wait would swamp, and could hide, a millisecond added by the extension,
        # so the client ACKs at once (quick-ack mode lapses, hence after every read).
        sock = self.ws.protocol.stream.socket if self.quickack and self.ws.protocol else None
        if sock is not None and hasattr(socket, "TCP_QUICKACK"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def close(self) -> None:
        self.ws.close()
