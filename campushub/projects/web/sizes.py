"""Project folders' measures (measure.py) for the pages, off the event loop
and cached: a page never waits for a walk longer than WAIT seconds (it shows
"being measured" and the next view has it), one walk per folder at a time,
in a small pool of threads, each bounded by `budget`; a result is kept for
`ttl` seconds. A walk that fails (whatever the error) is kept as a failure
for `ttl` too: get() raises Unmeasurable, the page shows the size as unknown,
and a tree built to break the walk is not walked again at every view."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .measure import Measure, measure

WAIT = 1.0
log = logging.getLogger("campushub.projects")


class Unmeasurable(RuntimeError):
    """The folder's walk failed (logged once per walk); its size and last change are unknown."""


class Sizes:
    def __init__(self, folder: Callable[[str], Path], ttl: float = 300, budget: float = 20, workers: int = 2):
        self.folder, self.ttl, self.budget = folder, ttl, budget
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="project-size")
        self._done: dict[str, tuple[float, Measure | None | BaseException]] = {}
        self._running: dict[str, asyncio.Future] = {}

    def forget(self, name: str) -> None:
        self._done.pop(name, None)

    async def get(self, name: str, wait: float = WAIT) -> tuple[bool, Measure | None]:
        """(known, measure): known False while the walk goes on (measure then None)."""
        hit = self._done.get(name)
        if hit and time.monotonic() - hit[0] < self.ttl:
            if isinstance(hit[1], BaseException):
                raise Unmeasurable(str(hit[1]))
            return True, hit[1]
        running = self._running.get(name)
        if running is None:
            running = asyncio.get_running_loop().run_in_executor(self._pool, measure, self.folder(name), self.budget)
            self._running[name] = running
            running.add_done_callback(lambda f, n=name: self._finished(n, f))
        try:
            return True, await asyncio.wait_for(asyncio.shield(running), wait)
        except TimeoutError:
            return False, None
        except Exception as e:  # noqa: BLE001  any failure of one folder's walk is that project's "unknown"
            raise Unmeasurable(str(e)) from None

    def _finished(self, name: str, future: asyncio.Future) -> None:
        self._running.pop(name, None)
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            log.warning("project %s: its folder could not be measured: %s: %s", name, type(error).__name__, error)
        self._done[name] = (time.monotonic(), future.result() if error is None else error)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
