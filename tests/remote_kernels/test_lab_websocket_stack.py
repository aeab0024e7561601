"""JupyterLab's own websocket to a remote kernel, on a real hub, user server,
Enterprise Gateway and front (test_lab_side_stack.py's site).

Right after a notebook's kernel starts, JupyterLab opens the kernel's
websocket, closes it a millisecond later and opens it again with the same
session id. jupyter_server's GatewayWebSocketConnection "cancelled" the first
connection to the gateway, which went on connecting and stayed open, unread,
for ever; EG then held the second one ("Replacing stale connection" waits for
the first to close) until the front gave up after 60 s, and Lab showed
"Unknown" for minutes (a retry then failed in EG with KeyError: 'iopub')."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import websocket

from .test_lab_side_stack import open_notebook, site_with_servers, start_server, stop_server

# well under the front's 60 s wait for the gateway, which was what the second connection got
DEADLINE = 40


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with site_with_servers(tmp_path_factory.mktemp("remote-kernels-lab-ws")) as s:
        yield s


@pytest.fixture(scope="module")
def alice(site):
    start_server(site, "alice")
    yield "alice"
    stop_server(site, "alice")


def channels(site, who: str, kernel_id: str, session: str) -> websocket.WebSocket:
    url = f"ws://127.0.0.1:{site.hub.port}/user/{who}/api/kernels/{kernel_id}/channels?session_id={session}"
    return websocket.create_connection(url, header=[f"Authorization: token {site.tokens[who]}"], timeout=5)


def kernel_info(ws: websocket.WebSocket, who: str, session: str) -> dict:
    """Ask as JupyterLab does once connected; the reply's content, polled until DEADLINE."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": who, "session": session, "msg_type": "kernel_info_request",
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell"}))
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:
            msg = json.loads(ws.recv())
        except websocket.WebSocketTimeoutException:
            continue
        if msg["header"]["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") == msg_id:
            return msg["content"]
    raise AssertionError(f"no kernel_info_reply within {DEADLINE} s")


@pytest.mark.parametrize("round_", ["right after the start", "again"])
def test_lab_s_reconnect_right_after_a_start_gets_the_kernel(site, alice, round_):
    kernel_id = open_notebook(site, alice, f"lab-ws-{round_.replace(' ', '-')}.ipynb")
    session = str(uuid.uuid4())
    channels(site, alice, kernel_id, session).close()  # what JupyterLab does first
    ws = channels(site, alice, kernel_id, session)
    try:
        assert kernel_info(ws, alice, session)["status"] == "ok"
    finally:
        ws.close()
