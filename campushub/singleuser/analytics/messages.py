"""Just enough of a kernel message to time a cell, as cheaply as possible.

Every message between a notebook and its kernel passes here, most of them
outputs on iopub, so each test starts with a substring search on the raw
text and parses JSON only for the few messages that are ours.
"""

import json
from datetime import datetime

from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

from .records import parse_time

V1 = "v1.kernel.websocket.jupyter.org"
REQUEST = "execute_request"
REPLY = b'"execute_reply"'


def _cell(metadata) -> str | None:
    cell = metadata.get("cellId") if isinstance(metadata, dict) else None
    return cell if isinstance(cell, str) and cell else None


def _silent(content) -> bool:
    # silent asks for no output, no execution count and no history (the messaging spec): a frontend
    # part querying the kernel, not a cell the learner ran
    return isinstance(content, dict) and content.get("silent") is True


def request_json(text) -> tuple[str, str | None] | None:
    """(msg_id, cell id) of a cell's execute_request in the JSON protocol, else None.

    Binary frames of that protocol carry buffers (comms), never an execute_request."""
    if not isinstance(text, str) or '"execute_request"' not in text:
        return None
    msg = json.loads(text)
    header = msg.get("header") or {}
    if msg.get("channel", "shell") != "shell" or header.get("msg_type") != REQUEST or _silent(msg.get("content")):
        return None
    return header.get("msg_id"), _cell(msg.get("metadata"))


def request_v1(data) -> tuple[str, str | None] | None:
    """The same in the v1 binary protocol: [channel, header, parent, metadata, content, ...]."""
    if not isinstance(data, bytes) or b'"execute_request"' not in data:
        return None
    channel, parts = deserialize_msg_from_ws_v1(data)
    if channel != "shell" or len(parts) < 4:
        return None
    header = json.loads(parts[0])
    if header.get("msg_type") != REQUEST or _silent(json.loads(parts[3])):
        return None
    return header.get("msg_id"), _cell(json.loads(parts[2]))


def _bytes(part) -> bytes:
    return part if isinstance(part, bytes) else getattr(part, "bytes", b"")


def reply(session, channel, msg_list) -> tuple[str, str, float | None] | None:
    """(parent msg_id, status, ms the kernel spent on it or None) of an
    execute_reply as it comes from the kernel (zmq frames).

    The kernel's own times (ipykernel puts when it started the cell in the
    reply's metadata) leave out the time a cell waited behind others."""
    if channel != "shell":
        return None
    _, parts = session.feed_identities(msg_list)
    # [signature, header, parent_header, metadata, content, buffers...]
    if len(parts) < 5 or REPLY not in _bytes(parts[1]):
        return None
    header = session.unpack(_bytes(parts[1]))
    parent = session.unpack(_bytes(parts[2]))
    status = session.unpack(_bytes(parts[4])).get("status")
    return parent.get("msg_id"), status, _spent(session.unpack(_bytes(parts[3])).get("started"), header.get("date"))


def _spent(started, ended) -> float | None:
    try:
        spent = (_when(ended) - _when(started)).total_seconds() * 1000
    except (TypeError, ValueError):
        return None
    return spent if spent >= 0 else None


def _when(value) -> datetime:
    when = value if isinstance(value, datetime) else parse_time(value)
    if when.tzinfo is None:
        raise ValueError("no time zone")
    return when
