"""What the hubs' and servers' own logs say about a spawn."""

from __future__ import annotations

import datetime as dt
import re

from .targets import Target

START_LINE = re.compile(r"User (\S+) took ([\d.]+) seconds to start")
LISTEN_LINE = re.compile(
    r"\[I (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) ServerApp\] http://127\.0\.0\.1:\d+/user/([^/]+)/")


def hub_log_offset(target: Target) -> int:
    try:
        return target.hub_log().stat().st_size
    except OSError:
        return 0


def hub_reported(target: Target, offset: int) -> dict[str, float]:
    """JupyterHub's own 'User X took N seconds to start' lines since `offset`."""
    try:
        with open(target.hub_log(), errors="replace") as f:
            f.seek(offset)
            text = f.read()
    except OSError:
        return {}
    return {m.group(1): float(m.group(2)) for m in START_LINE.finditer(text)}


def listening_at(target: Target, name: str, after_wall: float) -> float | None:
    """Wall time the user's server logged 'Jupyter Server ... is running at' its URL, after `after_wall`.

    Between this and `ready` is JupyterHub's own wait_up: it polls the new
    server with exponential backoff and full jitter (up to 5 s between tries).
    """
    try:
        text = target.server_log(name).read_text(errors="replace")
    except OSError:
        return None
    for m in LISTEN_LINE.finditer(text):
        if m.group(2) != name:
            continue
        when = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        if when >= after_wall - 0.01:
            return when
    return None
