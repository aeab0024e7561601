"""The pages' charts, server-rendered SVG (svg.py's frame): bars for a
value per cell (executions, learners reached: the funnel, error rate) and
lines for values over time (active users, servers, spawn durations)."""

from __future__ import annotations

from markupsafe import Markup, escape

from .svg import COLOURS, LEFT, PLOT_W, TOP, frame, nice_top, no_data, x_tick, y_of


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


def lines(title: str, x_label: str, y_label: str, labels: list[str], series: list[tuple[str, list[float | None]]],
          *, empty: str) -> Markup:
    """One line per (name, values) over the x positions ``labels``, with a legend."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not labels or not values:
        return no_data(title, empty)
    top = nice_top(max(values), whole=all(float(v).is_integer() for v in values))
    step = PLOT_W / max(1, len(labels) - 1)
    body = []
    # the first and last labels inside the plot's width, not cut at the edges
    ends = {0: "start", len(labels) - 1: "end"}
    for i in sorted({0, len(labels) // 2, len(labels) - 1}):
        body.append(x_tick(LEFT + i * step, labels[i], ends.get(i, "middle")))
    for n, (name, points) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        coords = [(LEFT + i * step, y_of(v, top)) for i, v in enumerate(points) if v is not None]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for (x, y), (i, v) in zip(coords, [(i, v) for i, v in enumerate(points) if v is not None], strict=True):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                        f"<title>{escape(f'{name}, {labels[i]}: {v:g}')}</title></circle>")
        legend_x = LEFT + 8 + n * 170
        body.append(f'<rect x="{legend_x}" y="{TOP - 12}" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{legend_x + 14}" y="{TOP - 3}" font-size="11">{escape(name)}</text>')
    return frame(title, x_label, y_label, top, body)
