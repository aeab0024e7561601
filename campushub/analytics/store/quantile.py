"""Quantiles from cumulative histogram buckets, the way Prometheus'
histogram_quantile estimates them: find the bucket the rank falls in and
interpolate linearly inside it (the lowest bucket starts at 0; a rank in the
+Inf bucket gives the highest finite bound). No library computes this from
plain bucket counts outside a Prometheus server, hence this function."""

from __future__ import annotations

import math


def histogram_quantile(q: float, buckets: dict[str, float]) -> float | None:
    """``buckets``: {le: cumulative count} including "+Inf"; None when empty."""
    bounds = sorted((float(le), count) for le, count in buckets.items())
    if not bounds or not math.isinf(bounds[-1][0]) or bounds[-1][1] <= 0 or len(bounds) < 2:
        return None
    # counts must not fall from one bucket to the next (deltas of a scrape race can)
    monotonic, highest = [], 0.0
    for bound, count in bounds:
        highest = max(highest, count)
        monotonic.append((bound, highest))
    rank = q * monotonic[-1][1]
    index = next(i for i, (_, count) in enumerate(monotonic) if count >= rank)
    if index == len(monotonic) - 1:
        return monotonic[-2][0]
    end, count = monotonic[index]
    if index == 0 and end <= 0:
        return end
    start, below = monotonic[index - 1] if index else (0.0, 0.0)
    return start + (end - start) * (rank - below) / (count - below)
