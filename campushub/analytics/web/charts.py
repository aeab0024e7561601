"""The pages' charts, server-rendered SVG (svg.py's frame): bars for a
value per cell (executions, learners reached: the funnel, error rate) and
lines for values over time (active users, servers, spawn durations) on a
time axis (timeaxis.py)."""

from __future__ import annotations

import itertools
from datetime import date

from markupsafe import Markup, escape

from .svg import COLOURS, LEFT, PLOT_H, PLOT_W, TOP, frame, nice_top, no_data, x_tick, y_of
from .tables import cell_text
from .timeaxis import as_time, time_axis

MAX_DOTS = 100


def bars(title: str, x_label: str, y_label: str, items: list[tuple[str, str, float]], *, empty: str,
         top: float | None = None, y_format=None) -> Markup:
    """One bar per (axis label, hover text, value), left to right."""
    if not items:
        return no_data(title, empty)
    top = top or nice_top(max(v for _, _, v in items))
    step = PLOT_W / len(items)
    width = max(1.0, step * 0.7)
    every = max(1, len(items) // 20)  # at most ~20 axis labels
    body = []
    for i, (label, hover, value) in enumerate(items):
        x = LEFT + i * step + (step - width) / 2
        y = y_of(value, top)
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{y_of(0, top) - y:.1f}" '
                    f'fill="{COLOURS[0]}"><title>{escape(hover)}</title></rect>')
        if i % every == 0:
            body.append(x_tick(x + width / 2, label))
    return frame(title, x_label, y_label, top, body, y_format)


def lines(title: str, x_label: str, y_label: str, times: list[date], series: list[tuple[str, list[float | None]]],
          *, empty: str) -> Markup:
    """One line per (name, values) over ``times`` (dates or datetimes, ascending) with a legend; x is
    proportional to time. A line breaks where a value is missing or the times jump (the hub was down)."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not times or not values:
        return no_data(title, empty)
    top = nice_top(max(values), whole=all(float(v).is_integer() for v in values))
    axis = time_axis(times)
    xs = [axis.x(t) for t in times]
    body = []
    for x, text, anchor in axis.ticks():
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + PLOT_H + 4}" stroke="#eee"/>')
        body.append(x_tick(x, text, anchor))
    breaks = gaps(times)
    for n, (name, points) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        ys = [None if v is None else y_of(v, top) for v in points]
        runs: list[list[int]] = [[]]
        for i, y in enumerate(ys):
            if (y is None or i in breaks) and runs[-1]:
                runs.append([])
            if y is not None:
                runs[-1].append(i)
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{xs[i]:.1f},{ys[i]:.1f}" for i in run)
                body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        # a dot per value while they are few enough to point at, and always for a lone value (it has no line)
        dots = [i for run in runs for i in run] if len(points) <= MAX_DOTS else [r[0] for r in runs if len(r) == 1]
        for i in dots:
            body.append(f'<circle cx="{xs[i]:.1f}" cy="{ys[i]:.1f}" r="2.5" fill="{colour}">'
                        f"<title>{escape(f'{name}, {cell_text(times[i])}: {points[i]:g}')}</title></circle>")
        legend_x = LEFT + 8 + n * 170
        body.append(f'<rect x="{legend_x}" y="{TOP - 12}" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{legend_x + 14}" y="{TOP - 3}" font-size="11">{escape(name)}</text>')
    return frame(title, x_label, y_label, top, body)


def gaps(times: list[date]) -> set[int]:
    """Indices where the time since the previous point is over three times the usual step."""
    steps = [(as_time(b) - as_time(a)).total_seconds() for a, b in itertools.pairwise(times)]
    if len(steps) < 2:
        return set()
    usual = sorted(steps)[len(steps) // 2]
    return {i + 1 for i, step in enumerate(steps) if step > 3 * usual}
