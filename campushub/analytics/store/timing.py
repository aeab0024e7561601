"""Time a learner spent in a notebook, from their executions alone.

Executions are all we see, so time between two consecutive execution starts
counts as working on the notebook, unless it is over BREAK (then the learner
was away and the gap counts as 0); the last execution adds its own duration.
"""

from __future__ import annotations

from datetime import datetime, timedelta

BREAK = timedelta(minutes=30)


def time_spent(executions: list[tuple[datetime, float]]) -> float:
    """Seconds, from (start, duration_ms) pairs sorted by start."""
    total = 0.0
    for (start, _), (following, _) in zip(executions, executions[1:], strict=False):
        gap = following - start
        if gap <= BREAK:
            total += gap.total_seconds()
    return total + executions[-1][1] / 1000 if executions else 0.0
