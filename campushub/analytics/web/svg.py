"""The frame every chart shares: an inline SVG (no script, no CDN) with its
title, both axis labels, a y axis with round ticks and horizontal grid
lines. Text is escaped here; callers pass translated strings."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 36, 56
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e")


def nice_top(value: float, whole: bool = True) -> float:
    """The axis top: four round ticks (steps of 1, 2, 2.5, 3 or 5 times a power of ten) reaching at
    least ``value``; with ``whole`` (counts) the ticks are whole numbers."""
    if value <= 0:
        return 4.0
    power = 10.0 ** math.floor(math.log10(value / 4))
    if whole:
        power = max(power, 1.0)
    for step in (1, 2, 2.5, 3, 5, 10):
        if (step != 2.5 or power >= 10 or not whole) and 4 * step * power >= value:
            return 4 * step * power
    return 40 * power


def y_of(value: float, top: float) -> float:
    return TOP + PLOT_H - (value / top) * PLOT_H


def tick_text(value: float, fmt) -> str:
    return fmt(value) if fmt else f"{value:g}"


def frame(title: str, x_label: str, y_label: str, top: float, body: list[str], y_format=None) -> Markup:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="campushub-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' width="100%" style="max-width:{WIDTH}px" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i in range(5):
        value = top * i / 4
        y = y_of(value, top)
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
                     f"{escape(tick_text(value, y_format))}</text>")
    parts += body
    parts += [
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + PLOT_H}" stroke="#333"/>',
        f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{TOP + PLOT_H}" y2="{TOP + PLOT_H}" stroke="#333"/>',
        f'<text x="{LEFT + PLOT_W / 2}" y="{HEIGHT - 8}" text-anchor="middle" font-size="12">'
        f"{escape(x_label)}</text>",
        f'<text x="14" y="{TOP + PLOT_H / 2}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 14 {TOP + PLOT_H / 2})">{escape(y_label)}</text>',
        "</svg>",
    ]
    return Markup("".join(parts))


def x_tick(x: float, text: str, anchor: str = "middle") -> str:
    return (f'<text x="{x:.1f}" y="{TOP + PLOT_H + 16}" text-anchor="{anchor}" font-size="11">'
            f"{escape(text)}</text>")


def no_data(title: str, message: str) -> Markup:
    return Markup(f'<div class="border rounded p-3 mb-3 text-body-secondary campushub-chart-empty">'
                  f"<strong>{escape(title)}</strong>: {escape(message)}</div>")
