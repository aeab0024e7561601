"""How much a user's servers may send to the records API: a token bucket of
bytes per user (in the process: a restart only grants a fresh bucket).

Without it one learner's shell could post 1 MiB batches as fast as the
service stores them and fill its disk (and the hub's, when they share one).
A refused batch is not lost: the extension keeps it in its spool and sends
it again later, so the limit is set well above what people running cells
produce (a record is a few hundred bytes) and only slows a flood down.
"""

from __future__ import annotations

import threading
import time

CAPACITY = 8 * 2**20  # bytes a user may send at once (after an outage the spool holds a backlog)
REFILL = CAPACITY / 3600  # bytes per second: CAPACITY an hour, some 25,000 records
OVERHEAD = 1024  # charged per request too, so many tiny batches cost what their rows do


class Budget:
    def __init__(self, capacity: float = CAPACITY, refill: float = REFILL):
        self.capacity, self.refill = capacity, refill
        self._left: dict[str, tuple[float, float]] = {}  # user -> (bytes left, when)
        self._lock = threading.Lock()

    def take(self, user: str, size: int) -> float:
        """0 when ``user`` may send ``size`` bytes now (and takes them), else the seconds to wait."""
        cost = size + OVERHEAD
        now = time.monotonic()
        with self._lock:
            left, then = self._left.get(user, (self.capacity, now))
            left = min(self.capacity, left + (now - then) * self.refill)
            if cost > left:
                self._left[user] = (left, now)
                return (cost - left) / self.refill
            self._left[user] = (left - cost, now)
            return 0.0
