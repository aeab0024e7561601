"""The start line (hub/start_queue.py) for KubeSpawner: while a start waits
for its turn, the progress page shows the learner's place in line; then
KubeSpawner's own pod events follow.

On Kubernetes a start loads the cluster (scheduling, image pulls, the
server's imports on a node), not the hub's machine, so the line is wide
(AUTOMATIC_SLOTS) and serves mainly to make extra starts wait instead of
being refused: the chart's hub.concurrentSpawnLimit (64 by default) makes
JupyterHub answer 429 "try again" beyond it, which hub/settings.py turns
off in favour of this line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

# Z2JH's default hub.concurrentSpawnLimit: the chart's own measure of how
# many pods one hub may have starting at once.
AUTOMATIC_SLOTS = 64


class Line:
    """What one start has been told while in line, for progress()."""

    def __init__(self):
        self.messages: list[str] = []
        self.done = False
        self._changed = asyncio.Event()

    def tell(self, text: str) -> None:
        self.messages.append(text)
        self._changed.set()

    def close(self) -> None:
        self.done = True
        self._changed.set()

    async def events(self, start_future) -> AsyncIterator[dict]:
        """Progress events until the start has its turn (or has ended)."""
        sent = 0
        while True:
            while sent < len(self.messages):
                yield {"progress": 0, "message": self.messages[sent]}
                sent += 1
            if self.done or (start_future is not None and start_future.done()):
                return
            self._changed.clear()
            try:
                # also wake now and then to notice a start that ended without a turn
                await asyncio.wait_for(self._changed.wait(), 1)
            except TimeoutError:
                pass
