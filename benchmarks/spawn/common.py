"""What every part of the spawn benchmark shares: names, polling intervals, the log line."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

POLL = 0.05  # seconds between readiness polls of one user (GET /hub/api/users/NAME)
# The many-user poll lists every user (~20 ms of hub CPU each with 20 users); at 50 ms
# it took ~40% of a core from the hub, and more from whichever hub answered faster.
# 0.25 s costs <10% and adds at most 0.25 s to ready times of ~40 s.
POLL_MANY = 0.25
CODE, EXPECTED = "5*4", "20"
# Unique per process like the harness's TEST_PREFIX (cht12345-), so two runs at once
# (or a run beside the test suite) never share, nor delete, each other's accounts.
STOCK_PREFIX = f"bench-stock{os.getpid() % 100000:05d}-"
CAMPUS_PREFIX = "bench-"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def stats(values: list[float]) -> dict | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    # nearest-rank p90: with few samples this is the max, which is the honest answer
    p90 = values[max(0, -(-9 * len(values) // 10) - 1)]
    return {"n": len(values), "median": round(statistics.median(values), 3), "p90": round(p90, 3),
            "max": round(values[-1], 3), "min": round(values[0], 3)}
