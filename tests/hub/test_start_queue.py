"""The fair start line (hub/start_queue.py) on a real asyncio loop. Nothing
is mocked: the "starts" are coroutines that wait for the test. A spawner's
turn in it: test_start_turn.py."""

from __future__ import annotations

import asyncio
import math

import pytest

from campushub.hub import start_queue
from campushub.hub.start_queue import StartQueue

DEADLINE = 10


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, DEADLINE))


async def until(predicate) -> None:
    """Let the loop run until predicate() holds (the outer wait_for is the deadline)."""
    while not predicate():
        await asyncio.sleep(0)


class Starts:
    """Starts that hold their turn until the test lets them finish."""

    def __init__(self, queue: StartQueue):
        self.queue = queue
        self.order: list[int] = []
        self.reports: dict[int, list[tuple[int, int]]] = {}
        self.gates: dict[int, asyncio.Event] = {}
        self.busiest = 0

    async def start(self, i: int) -> None:
        self.gates[i] = asyncio.Event()
        async with self.queue.turn(lambda p, s: self.reports.setdefault(i, []).append((p, s))):
            self.order.append(i)
            self.busiest = max(self.busiest, self.queue.running)
            await self.gates[i].wait()

    def finish(self, i: int) -> None:
        self.gates[i].set()


async def queued(starts: Starts, n: int, first: int = 0) -> list[asyncio.Task]:
    """n starts, joining the line one after another in the order of their numbers."""
    tasks = []
    for i in range(first, first + n):
        tasks.append(asyncio.ensure_future(starts.start(i)))
        await until(lambda i=i: i in starts.order or i in starts.reports)
    return tasks


def test_starts_take_turns_in_arrival_order_and_newcomers_never_overtake():
    async def main():
        starts = Starts(StartQueue(1))
        tasks = await queued(starts, 5)
        assert starts.order == [0] and starts.queue.waiting == 4
        starts.finish(0)
        await until(lambda: 1 in starts.order)
        # A newcomer arrives as a slot is handed on: it queues behind those waiting.
        tasks += await queued(starts, 1, first=5)
        for i in range(1, 6):
            await until(lambda i=i: i in starts.order)
            starts.finish(i)
        await asyncio.gather(*tasks)
        assert starts.order == [0, 1, 2, 3, 4, 5]
        assert starts.queue.running == 0 and starts.queue.waiting == 0

    run(main())


def test_each_waiter_is_told_its_place_as_it_moves_up():
    async def main():
        starts = Starts(StartQueue(1))
        tasks = await queued(starts, 4)
        assert {i: r[0][0] for i, r in starts.reports.items()} == {1: 1, 2: 2, 3: 3}
        assert 0 not in starts.reports  # a free slot: no line, nothing to say
        for i in range(4):
            await until(lambda i=i: i in starts.order)
            starts.finish(i)
        await asyncio.gather(*tasks)
        assert [p for p, _ in starts.reports[3]] == [3, 2, 1]
        assert [p for p, _ in starts.reports[2]] == [2, 1]

    run(main())


def test_cancelling_a_waiter_leaves_the_line_and_those_behind_move_up():
    async def main():
        starts = Starts(StartQueue(1))
        tasks = await queued(starts, 4)
        tasks[1].cancel()  # the user stops their server while in line
        await until(lambda: starts.queue.waiting == 2)
        await until(lambda: starts.reports[3][-1][0] == 2)
        assert starts.queue.running == 1
        for i in (0, 2, 3):
            await until(lambda i=i: i in starts.order)
            starts.finish(i)
        await asyncio.gather(tasks[0], tasks[2], tasks[3])
        assert tasks[1].cancelled() and 1 not in starts.order
        assert starts.order == [0, 2, 3] and starts.queue.running == 0

    run(main())


def test_a_slot_is_released_however_the_start_ends():
    async def main():
        queue = StartQueue(1)

        async def fails():
            async with queue.turn():
                raise RuntimeError("the server died")

        with pytest.raises(RuntimeError):
            await fails()
        assert queue.running == 0

        starts = Starts(queue)
        tasks = await queued(starts, 2)
        tasks[0].cancel()  # cancelled while starting, e.g. the hub's own timeout
        await until(lambda: 1 in starts.order)
        starts.finish(1)
        await tasks[1]
        assert queue.running == 0 and queue.waiting == 0

    run(main())


def test_a_waiter_cancelled_just_as_it_gets_the_slot_passes_it_on():
    async def main():
        starts = Starts(StartQueue(1))
        tasks = await queued(starts, 3)
        starts.finish(0)
        await until(lambda: tasks[0].done())  # slot handed to 1, which has not run yet
        tasks[1].cancel()
        await until(lambda: 2 in starts.order)
        starts.finish(2)
        await tasks[2]
        assert tasks[1].cancelled() and starts.order == [0, 2]
        assert starts.queue.running == 0

    run(main())


def test_the_estimate_divides_recent_start_times_by_the_slots():
    queue = StartQueue(2)
    assert queue.estimate(1) == math.ceil(start_queue.DEFAULT_SECONDS / 2)  # before any measurement
    assert queue.estimate(10) == math.ceil(10 * start_queue.DEFAULT_SECONDS / 2)
    for seconds in (2, 4):
        queue.record(seconds)
    assert queue.average_seconds() == 3
    assert queue.estimate(4) == 6
    assert queue.estimate(1) >= 1
    for _ in range(start_queue.KEEP):
        queue.record(1)
    assert queue.average_seconds() == 1  # only recent starts count

    async def measured():
        async with queue.turn():
            pass

    asyncio.run(measured())
    assert queue.average_seconds() < 1  # the instant start was recorded


def test_the_estimate_is_refreshed_while_the_place_stays(monkeypatch):
    monkeypatch.setattr(start_queue, "REFRESH_SECONDS", 0.01)

    async def main():
        starts = Starts(StartQueue(1))
        tasks = await queued(starts, 2)
        first = starts.reports[1][0]
        for _ in range(start_queue.KEEP):
            starts.queue.record(60)  # starts have become slow
        await until(lambda: len(starts.reports[1]) > 1)
        assert starts.reports[1][1] == (1, 60) and first == (1, 5)
        for i in range(2):
            await until(lambda i=i: i in starts.order)
            starts.finish(i)
        await asyncio.gather(*tasks)

    run(main())


def test_a_burst_of_100_starts_all_get_a_turn_never_more_than_the_slots_at_once():
    async def main():
        queue = StartQueue(3)
        served = []

        async def learner(i):
            async with queue.turn(lambda p, s: None):
                served.append(i)
                await asyncio.sleep(0)  # a real start yields to the loop

        await asyncio.gather(*(learner(i) for i in range(100)))
        return queue, served

    queue, served = run(main())
    assert sorted(served) == list(range(100))
    assert served == list(range(100))  # in arrival order
    assert queue.running == 0 and queue.waiting == 0


def test_a_broken_reporter_does_not_cost_the_place():
    async def main():
        queue = StartQueue(1)
        gate = asyncio.Event()

        async def hold():
            async with queue.turn():
                await gate.wait()

        def broken(position, seconds):
            raise ValueError("progress page gone")

        async def waits():
            async with queue.turn(broken):
                return "started"

        holder = asyncio.ensure_future(hold())
        await until(lambda: queue.running == 1)
        waiter = asyncio.ensure_future(waits())
        await until(lambda: queue.waiting == 1)
        gate.set()
        assert await waiter == "started"
        await holder

    run(main())
