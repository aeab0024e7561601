"""How the pages write a project's size and last activity (the API gives the raw values)."""

from __future__ import annotations

from datetime import datetime

from ...i18n import N_

UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
UNKNOWN = N_("unknown here")
MEASURING = N_("being measured; reload in a moment")
AT_LEAST = N_("at least {size} (not all of it could be measured)")
NEVER = N_("none yet")


def size_text(_, size: dict) -> str:
    if size.get("pending"):
        return _(MEASURING)
    if not size.get("known") or size.get("bytes") is None:
        return _(UNKNOWN)
    value, unit = float(size["bytes"]), 0
    while value >= 1024 and unit < len(UNITS) - 1:
        value, unit = value / 1024, unit + 1
    text = f"{value:.0f} {UNITS[unit]}" if unit == 0 or value >= 100 else f"{value:.1f} {UNITS[unit]}"
    return text if size.get("complete", True) else _(AT_LEAST, size=text)


def time_text(_, iso: str | None) -> str:
    if not iso:
        return _(NEVER)
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
