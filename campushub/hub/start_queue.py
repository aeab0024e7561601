"""A fair line for server starts, one per hub process.

When a whole class clicks at once, starting every server together makes
each start slow every other (a start is mostly CPU-bound imports), and
they pass their timeouts together. Here at most `slots` starts run at a
time; the others wait in arrival order, and each waiter is told its place
and an estimate. A freed slot is handed straight to the first waiter, so a
newcomer can never overtake someone already in line.

Two rules keep a few people from stalling everyone (a server that never
answers holds its start for up to http_timeout): while others wait, one
owner (a learner, whatever their named servers) holds one slot at a time;
and a start that has run HOLD_FACTOR times longer than starts usually take
gives its slot back and goes on outside the line, as it is then waiting on
itself, not on the machine.

Written here rather than taken from a library: asyncio.Semaphore wakes
waiters in order but cannot tell a waiter its place, and JupyterHub's
concurrent_spawn_limit refuses the extra starts (429) instead of queuing
them. Nothing here blocks the event loop: waiting is awaiting a future.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable

from ..i18n import N_, translate

IN_LINE = N_("You are number {position} in line to start; about {seconds} seconds.")
YOUR_TURN = N_("Your turn: starting your server.")
TOO_LONG = N_("The hub has been too busy to start your server for {minutes} minutes. Try again later.")

# Before any start has been measured: about what an exec'd server takes on
# a busy machine (a fork-server start is far quicker and soon measured).
DEFAULT_SECONDS = 5.0
# Recent starts only: the machine's load, and which start path is in use, change.
KEEP = 20
# Between place changes a waiter's estimate is refreshed at most this often:
# progress pages update without a flood of events.
REFRESH_SECONDS = 10.0
# A slot is held at most this many average starts, and never less than
# HOLD_MIN seconds (a slow first start must not lose its slot at once).
HOLD_FACTOR = 4
HOLD_MIN = 10.0

log = logging.getLogger(__name__)


class QueueTimeout(Exception):
    """Waited in line longer than allowed; str() is the English message."""

    def __init__(self, minutes: int):
        super().__init__(TOO_LONG.format(minutes=minutes))
        self.minutes = minutes

    def translated(self, lang: str) -> str:
        return translate(lang, TOO_LONG, minutes=self.minutes)


class _Waiter:
    __slots__ = ("granted", "changed", "position", "owner")

    def __init__(self, loop: asyncio.AbstractEventLoop, owner: str | None):
        self.granted: asyncio.Future = loop.create_future()
        self.changed = asyncio.Event()
        self.position = 0
        self.owner = owner


class StartQueue:
    def __init__(self, slots: int, default_seconds: float = DEFAULT_SECONDS):
        if slots < 1:
            raise ValueError("a start queue needs at least one slot")
        self.slots = slots
        self.running = 0
        self._line: deque[_Waiter] = deque()
        self._holders: dict[str, int] = {}  # owner -> slots held
        self._durations: deque[float] = deque(maxlen=KEEP)
        self._default = default_seconds

    # -- what waiters are told ----------------------------------------------

    @property
    def waiting(self) -> int:
        return len(self._line)

    def average_seconds(self) -> float:
        return sum(self._durations) / len(self._durations) if self._durations else self._default

    def estimate(self, position: int) -> int:
        """Seconds until the waiter at `position` (1 = next) gets its turn:
        `position` starts must finish first, `slots` of them at a time."""
        return max(1, math.ceil(position * self.average_seconds() / self.slots))

    def record(self, seconds: float) -> None:
        self._durations.append(max(0.0, seconds))

    def resize(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a start queue needs at least one slot")
        self.slots = slots
        self._hand_on()

    # -- taking turns -------------------------------------------------------

    @contextlib.asynccontextmanager
    async def turn(self, report: Callable[[int, int], None] | None = None,
                   max_wait: float | None = None, owner: str | None = None) -> AsyncIterator[None]:
        """Hold one start slot for the block (at most hold_seconds()). While
        in line, report(position, seconds) is called on each change of place,
        and every REFRESH_SECONDS when the estimate changed. Cancelling while
        in line leaves the line; the slot is released however the block
        ends. max_wait: raise QueueTimeout after waiting this long (None: as
        long as it takes). owner: whose start this is (one slot each while
        others wait)."""
        await self._acquire(report, max_wait, owner)
        started = time.monotonic()
        held = [True]

        def give_back() -> None:
            if held[0]:
                held[0] = False
                self._release(owner)

        late = asyncio.get_running_loop().call_later(self.hold_seconds(), give_back)
        ok = False
        try:
            yield
            ok = True
        finally:
            late.cancel()
            if ok:  # failed starts say little about how long a start takes
                self.record(time.monotonic() - started)
            give_back()

    def hold_seconds(self) -> float:
        return max(HOLD_MIN, HOLD_FACTOR * self.average_seconds())

    def _take(self, owner: str | None) -> None:
        self.running += 1
        if owner is not None:
            self._holders[owner] = self._holders.get(owner, 0) + 1

    async def _acquire(self, report, max_wait: float | None, owner: str | None) -> None:
        if self.running < self.slots and not self._line:
            self._take(owner)
            return
        waiter = _Waiter(asyncio.get_running_loop(), owner)
        self._line.append(waiter)
        waiter.position = len(self._line)
        try:
            await self._wait(waiter, report, max_wait)
        except BaseException:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self._release(owner)  # handed a slot just as we were cancelled: pass it on
            else:
                waiter.granted.cancel()
                self._leave(waiter)
            raise

    async def _wait(self, waiter: _Waiter, report, max_wait: float | None) -> None:
        give_up = None if max_wait is None else time.monotonic() + max_wait
        told = None
        last_report = 0.0
        while not waiter.granted.done():
            now = time.monotonic()
            seconds = self.estimate(waiter.position)
            if report is not None and (waiter.position, seconds) != told and (
                    told is None or waiter.position != told[0] or now - last_report >= REFRESH_SECONDS):
                told, last_report = (waiter.position, seconds), now
                _call(report, waiter.position, seconds)
            if give_up is not None and now >= give_up:
                raise QueueTimeout(max(1, round(max_wait / 60)))
            waiter.changed.clear()
            timeout = REFRESH_SECONDS if give_up is None else max(0.0, min(REFRESH_SECONDS, give_up - now))
            # Wake on a change of place, a granted slot, or to refresh the estimate.
            wake = asyncio.ensure_future(waiter.changed.wait())
            try:
                await asyncio.wait([waiter.granted, wake], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                wake.cancel()

    def _release(self, owner: str | None = None) -> None:
        self.running -= 1
        if owner is not None:
            left = self._holders.get(owner, 0) - 1
            if left > 0:
                self._holders[owner] = left
            else:
                self._holders.pop(owner, None)
        self._hand_on()

    def _next(self) -> _Waiter:
        """The first in line whose owner holds no slot, else the first in line."""
        for waiter in self._line:
            if waiter.owner is None or waiter.owner not in self._holders:
                return waiter
        return self._line[0]

    def _hand_on(self) -> None:
        """Give free slots to the first in line, then tell the rest their new places."""
        handed = False
        while self._line and self.running < self.slots:
            waiter = self._next()
            self._line.remove(waiter)
            if waiter.granted.done():  # cancelled meanwhile
                continue
            self._take(waiter.owner)
            waiter.granted.set_result(True)
            handed = True
        if handed:
            self._renumber()

    def _leave(self, waiter: _Waiter) -> None:
        try:
            self._line.remove(waiter)
        except ValueError:
            return
        self._renumber()

    def _renumber(self) -> None:
        for place, waiter in enumerate(self._line, 1):
            if waiter.position != place:
                waiter.position = place
                waiter.changed.set()


def _call(report, position: int, seconds: int) -> None:
    try:
        report(position, seconds)
    except Exception:  # a broken progress reporter must not lose the learner's place
        log.exception("start queue: reporting the place in line failed")


def message(lang: str, position: int, seconds: int) -> str:
    return translate(lang, IN_LINE, position=position, seconds=seconds)


def automatic_slots() -> int:
    """One start per core the hub may use: a start is mostly single-threaded
    CPU work (imports; about 2.6 CPU-s on the exec path), so a second start
    on the same core only slows both down, while fewer leave cores idle.
    The cores this process may run on (cpuset, affinity) count, not the machine's."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if count is not None:
        return max(1, count() or 1)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


_shared: StartQueue | None = None


def shared(slots: int) -> StartQueue:
    """The hub process's one line: every spawner of the process waits in it."""
    global _shared
    if _shared is None:
        _shared = StartQueue(slots)
    elif _shared.slots != slots:
        _shared.resize(slots)
    return _shared
