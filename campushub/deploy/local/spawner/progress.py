"""The spawner's progress events: what the spawn page shows while a server starts.

JupyterHub asks Spawner.progress() for an async iterator; ours replays the
steps start() has recorded so far and waits for more, so a page opened late
still shows every step.
"""

from __future__ import annotations

import asyncio

from ....i18n import translate


class Progress:
    """Mixin for a spawner with language() (hub/policy/spawner.py)."""

    def _begin_progress(self) -> None:
        self._events, self._events_done, self._percent = [], False, 0
        self._events_changed = asyncio.Event()

    def _step(self, percent: int, message: str, **values) -> None:
        """A step, in the requester's language; `message` is marked with N_()."""
        self._percent = percent
        self._report(translate(self.language(), message, **values))

    def _report(self, text: str) -> None:
        """A message translated already (the start line's place, a course sync notice)."""
        self._events.append({"progress": self._percent, "message": text})
        self._events_changed.set()

    def _end_progress(self) -> None:
        self._events_done = True
        self._events_changed.set()

    async def progress(self):
        if not hasattr(self, "_events_changed"):
            return  # not started by this hub process
        sent = 0
        while True:
            while sent < len(self._events):
                yield self._events[sent]
                sent += 1
            if self._events_done:
                return
            self._events_changed.clear()
            await self._events_changed.wait()
