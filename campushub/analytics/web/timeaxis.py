"""A line chart's x axis for times: positions proportional to time, so a gap
in the hub's polls or days without spawns take the room they took, and ticks
at round times (minutes, hours, days, weeks, months) labelled for their step.
Dates count as midnight UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .svg import LEFT, PLOT_W, WIDTH

MINUTE, HOUR, DAY = 60, 3600, 86400
# tick steps in seconds; longer spans tick at the first of every 1, 2, 3, 6 or 12 months
STEPS = (1, 2, 5, 10, 15, 30, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
         HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY)
MONTHS = (1, 2, 3, 6, 12)
MAX_INTERVALS = 5
MONDAY = datetime(1970, 1, 5, tzinfo=UTC)  # week ticks fall on Mondays
CHAR_W, GAP = 6.2, 10  # a label's width per character at font-size 11, and the room between two labels


def as_time(value: date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


@dataclass
class TimeAxis:
    start: datetime
    end: datetime
    days_only: bool

    def x(self, value: date) -> float:
        return LEFT + PLOT_W * (as_time(value) - self.start) / (self.end - self.start)

    def ticks(self) -> list[tuple[float, str, str]]:
        """(x, label, text-anchor) of each tick whose label fits beside the previous one."""
        span = (self.end - self.start).total_seconds()
        step = next((s for s in STEPS if span / s <= MAX_INTERVALS and (s >= DAY or not self.days_only)), None)
        times = fixed_ticks(self.start, self.end, step) if step else month_ticks(self.start, self.end)
        long = 19 if step and step < MINUTE else 16 if step and step < DAY else 10
        kept, right = [], float("-inf")
        for t in times:  # greedy: a label that would overlap the previous one is left out
            x = self.x(t)
            x0, x1, anchor = extent(x, long * CHAR_W)
            if x0 >= right + GAP:
                kept.append((x, t, anchor))
                right = x1
        out, last_day = [], None
        for x, t, anchor in kept:
            out.append((x, label(t, step, t.date() != last_day), anchor))
            last_day = t.date()
        return out


def extent(x: float, width: float) -> tuple[float, float, str]:
    """Where a label at x reaches, kept inside the picture at both ends."""
    if x - width / 2 < 0:
        return x, x + width, "start"
    if x + width / 2 > WIDTH:
        return x - width, x, "end"
    return x - width / 2, x + width / 2, "middle"


def label(t: datetime, step: int | None, new_day: bool) -> str:
    if step is None or step >= DAY:
        return t.strftime("%Y-%m-%d")
    clock = t.strftime("%H:%M:%S" if step < MINUTE else "%H:%M")
    return f"{t:%Y-%m-%d} {clock}" if new_day else clock


def fixed_ticks(start: datetime, end: datetime, step: int) -> list[datetime]:
    offset = (start - MONDAY).total_seconds()
    t = MONDAY + timedelta(seconds=-(-offset // step) * step)
    out = []
    while t <= end:
        out.append(t)
        t += timedelta(seconds=step)
    return out


def month_ticks(start: datetime, end: datetime) -> list[datetime]:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    every = next((m for m in MONTHS if months / m <= MAX_INTERVALS), 12)
    index = start.year * 12 + start.month - 1
    if (start.day, start.hour, start.minute, start.second, start.microsecond) != (1, 0, 0, 0, 0):
        index += 1  # the first month start inside the span
    index = -(-index // every) * every
    out = []
    while (t := datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)) <= end:
        out.append(t)
        index += every
    return out


def time_axis(values: list[date]) -> TimeAxis:
    """The axis over ``values`` (not empty); a single time sits in the middle with room either side."""
    times = [as_time(v) for v in values]
    days_only = not any(isinstance(v, datetime) for v in values)
    start, end = min(times), max(times)
    if start == end:
        pad = timedelta(days=1) if days_only else timedelta(minutes=30)
        start, end = start - pad, end + pad
    return TimeAxis(start, end, days_only)
