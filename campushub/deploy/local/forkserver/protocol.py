"""The one message a client sends, and the lines a child answers.

Request: a 4-byte big-endian length, then that many bytes of UTF-8 JSON; the
server's log fd travels by SCM_RIGHTS with the first bytes (one sendmsg).
Answers: JSON objects, one per line: {"pid": N, "start_time": T} (T: field
22 of /proc/N/stat, read by the child while still root) once it has read the
request, then {"ok": true} just before it runs the server, or {"error": "..."}.
Shared by the child (in the user environment) and the hub's fork_client.
"""

from __future__ import annotations

import array
import json
import socket
import struct

MAX_REQUEST = 1 << 20  # a request is an argv and an environment, far below this
MAX_FDS = 4


class ProtocolError(ValueError):
    pass


def send_request(sock: socket.socket, request: dict, fds: list[int]) -> None:
    body = json.dumps(request).encode()
    data = struct.pack(">I", len(body)) + body
    sent = socket.send_fds(sock, [data], fds) if fds else sock.send(data)
    if sent < len(data):
        sock.sendall(data[sent:])


def read_request(sock: socket.socket, fds: list[int]) -> dict:
    """The request; fds that come with it are appended to `fds` as they arrive,
    so the caller can close them even when this raises ProtocolError."""
    data = b""
    need = 4
    try:
        while len(data) < need:
            chunk, ancdata, _flags, _addr = sock.recvmsg(min(need - len(data), 65536),
                                                         socket.CMSG_SPACE(MAX_FDS * 4))
            for level, kind, payload in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    got = array.array("i")
                    got.frombytes(payload[: len(payload) - len(payload) % got.itemsize])
                    fds.extend(got)
            if not chunk:
                raise ProtocolError("the connection closed before a whole request arrived")
            data += chunk
            if need == 4 and len(data) >= 4:
                length = struct.unpack(">I", data[:4])[0]
                if length > MAX_REQUEST:
                    raise ProtocolError(f"a request of {length} bytes is larger than {MAX_REQUEST}")
                need = 4 + length
        request = json.loads(data[4:].decode())
    except (ValueError, OSError) as e:
        if isinstance(e, ProtocolError):
            raise
        raise ProtocolError(f"unreadable request: {e}") from None
    if not isinstance(request, dict):
        raise ProtocolError("the request is not a JSON object")
    return request


def send_line(sock: socket.socket, message: dict) -> None:
    sock.sendall(json.dumps(message).encode() + b"\n")


def one_line(text: str) -> str:
    return " ".join(str(text).split())[:500]
