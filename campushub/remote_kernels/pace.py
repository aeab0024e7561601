"""How often one person may launch kernels: a start or a restart is a full
launch (a root launcher, a cgroup, a mount namespace, a fresh log cap,
ipykernel's imports) that costs them a click and the machine a second of CPU,
so a loop of them (restarts, or start + DELETE) is cut short. One pace counts
both."""

from __future__ import annotations

import time
from collections import defaultdict, deque

PER_MINUTE = 12
WINDOW_S = 60.0


class Pace:
    def __init__(self, per_window: int = PER_MINUTE, window_s: float = WINDOW_S):
        self.per_window, self.window_s = per_window, window_s
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, person: str, now: float | None = None) -> bool:
        """Count one more for `person` if they are under the pace; False (nothing counted) otherwise."""
        now = time.monotonic() if now is None else now
        seen = self._seen[person]
        while seen and now - seen[0] >= self.window_s:
            seen.popleft()
        if len(seen) >= self.per_window:
            return False
        seen.append(now)
        return True
