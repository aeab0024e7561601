"""How the page writes a job's state, duration, peak memory, failed cell and
parameters (the API gives the raw record, DESIGN of campushub/jobs/model.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ...i18n import N_
from ...projects.web.display import size_text

STATES = {  # model.STATES, as the page names them
    "queued": N_("queued"),
    "running": N_("running"),
    "succeeded": N_("succeeded"),
    # not "failed": the catalog has that for a failed test (assignments), which reads "not passed" in ja and ru
    "failed": N_("ended with an error"),
    "oom": N_("stopped: out of memory"),
    "cancelled": N_("cancelled"),
    "lost": N_("lost"),
}
# Bootstrap's badge colours, as JupyterHub's admin page marks servers
BADGES = {"queued": "secondary", "running": "primary", "succeeded": "success", "failed": "danger",
          "oom": "danger", "cancelled": "warning", "lost": "dark"}
ACTIVE = ("queued", "running")  # what cancel can still stop
CELL = N_("cell {number}")
NONE = "—"


def state_text(_, state: str) -> str:
    return _(STATES[state]) if state in STATES else state


def badge(state: str) -> str:
    return BADGES.get(state, "secondary")


def duration_text(seconds) -> str:
    if seconds is None:
        return NONE
    seconds = int(round(float(seconds)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def memory_text(_, peak) -> str:
    return NONE if peak is None else size_text(_, {"known": True, "bytes": int(peak)})


def cell_text(_, index) -> str:
    """papermill counts cells from 0; people count the notebook's cells from 1."""
    return NONE if index is None else _(CELL, number=int(index) + 1)


def parameters_text(parameters: dict | None) -> str:
    """name=value, ..., values as JSON so a string "1" and a number 1 look different."""
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in (parameters or {}).items()) or NONE


def time_text(when) -> str:
    """A datetime (the model's), ISO 8601 text (the API's) or seconds since the epoch, in UTC."""
    if when is None or when == "":
        return NONE
    if isinstance(when, datetime):
        moment = when
    elif isinstance(when, (int, float)):
        moment = datetime.fromtimestamp(float(when), UTC)
    else:
        moment = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
