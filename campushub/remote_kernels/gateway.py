"""Enterprise Gateway as the front calls it: its REST API and kernel
websockets with EG's own token (EnterpriseGatewayApp.auth_token), which only
the front holds. Nothing the client sent reaches EG but what the handlers
pass on: no query string of theirs (EG would take a `token` argument before
the header), no headers, only the body fields jupyter_server's GatewayClient
sends (name, env)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPRequest, HTTPResponse
from tornado.websocket import WebSocketClientConnection, websocket_connect

# A kernel's start waits for its launcher and ipykernel (EG's own KERNEL_LAUNCH_TIMEOUT is 40 s by default).
START_TIMEOUT = 660
TIMEOUT = 60
# Rich outputs (images, dataframes) travel in one message; tornado's 10 MiB default would cut them.
MAX_MESSAGE = 256 * 2**20


class GatewayDown(RuntimeError):
    """EG did not answer (not running, restarting, a timeout)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str

    def json(self):
        return json.loads(self.body) if self.body else None

    def reason(self) -> str:
        """EG's one-line reason for a refusal (its JSON errors carry reason and message)."""
        try:
            data = self.json() or {}
        except ValueError:
            data = {}
        text = str(data.get("message") or data.get("reason") or "").strip() if isinstance(data, dict) else ""
        return (text.splitlines() or [""])[0][:300]


class Gateway:
    def __init__(self, url: str, token: str):
        self.url, self.token = url.rstrip("/"), token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    async def call(self, method: str, path: str, body=None, *, timeout: float = TIMEOUT,
                   query: dict | None = None) -> Answer:
        url = self.url + path + (f"?{urlencode(query)}" if query else "")
        headers = self._headers()
        payload = None
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body), "application/json"
        elif method == "POST":
            payload = b""
        try:
            r: HTTPResponse = await AsyncHTTPClient().fetch(
                url, method=method, headers=headers, body=payload, request_timeout=timeout, raise_error=False)
        except OSError as e:  # refused, reset: tornado raises these itself
            raise GatewayDown(str(e)) from None
        if r.code == 599:  # tornado's code for no HTTP answer at all (timeout, connection closed)
            raise GatewayDown(str(r.error))
        return Answer(r.code, r.body or b"", r.headers.get("Content-Type", "application/json"))

    @staticmethod
    def kernel_path(kernel_id: str, *rest: str) -> str:
        return "/".join(["/api/kernels", quote(kernel_id, safe=""), *rest])

    async def channels(self, kernel_id: str, session_id: str | None, subprotocols: list[str] | None,
                       on_message) -> WebSocketClientConnection:
        """A websocket to the kernel's channels; on_message gets each message, then None when EG closes."""
        url = self.url.replace("http", "ws", 1) + self.kernel_path(kernel_id, "channels")
        if session_id:
            url += "?" + urlencode({"session_id": session_id})
        request = HTTPRequest(url, headers=self._headers(), connect_timeout=TIMEOUT, request_timeout=TIMEOUT)
        try:
            return await websocket_connect(request, on_message_callback=on_message, max_message_size=MAX_MESSAGE,
                                           subprotocols=subprotocols or None)
        except OSError as e:
            raise GatewayDown(str(e)) from None
