"""What keeps a few people from stalling a class in the start line
(hub/start_queue.py): one slot per owner while others wait, and a start
that runs far longer than starts usually take gives its slot back.
The attack they answer: two learners whose servers never answer (a user
config that sleeps) held both slots of a 2-core hub for http_timeout each,
again and again, and nobody else started."""

from __future__ import annotations

import asyncio

from campushub.hub import start_queue
from campushub.hub.start_queue import StartQueue

from .test_start_queue import run, until


class Owned:
    def __init__(self, queue: StartQueue):
        self.queue, self.order, self.gates = queue, [], {}

    async def start(self, name: str, owner: str) -> None:
        self.gates[name] = asyncio.Event()
        async with self.queue.turn(owner=owner):
            self.order.append(name)
            await self.gates[name].wait()


def test_while_others_wait_one_owner_holds_one_slot_at_a_time():
    async def main():
        starts = Owned(StartQueue(2))
        tasks = []
        for name, owner in (("x", "xavier"), ("m1", "mallory"), ("m2", "mallory"), ("m3", "mallory"),
                            ("alice", "alice"), ("bob", "bob")):
            tasks.append(asyncio.ensure_future(starts.start(name, owner)))
            joined = len(tasks)
            await until(lambda joined=joined: starts.queue.waiting + len(starts.order) == joined)
        assert starts.order == ["x", "m1"]
        # mallory's other named servers came first, yet while she holds a slot
        # the freed ones go to those who hold none
        for done, expected in (("x", "alice"), ("alice", "bob"), ("m1", "m2"), ("bob", "m3")):
            starts.gates[done].set()
            await until(lambda e=expected: e in starts.order)
        for gate in starts.gates.values():
            gate.set()
        await asyncio.gather(*tasks)
        assert starts.order == ["x", "m1", "alice", "bob", "m2", "m3"]
        assert starts.queue.running == 0 and not starts.queue._holders

    run(main())


def test_only_one_owner_waiting_still_gets_free_slots():
    async def main():
        starts = Owned(StartQueue(2))
        tasks = [asyncio.ensure_future(starts.start(f"s{i}", "solo")) for i in range(3)]
        await until(lambda: len(starts.order) == 2)
        starts.gates["s0"].set()
        await until(lambda: len(starts.order) == 3)  # nobody else waits: no reason to hold back
        for gate in starts.gates.values():
            gate.set()
        await asyncio.gather(*tasks)

    run(main())


def test_a_start_far_slower_than_usual_gives_its_slot_back(monkeypatch):
    monkeypatch.setattr(start_queue, "HOLD_MIN", 0.05)
    async def main():
        queue = StartQueue(1, default_seconds=0.01)
        starts = Owned(queue)
        stuck = asyncio.ensure_future(starts.start("never-answers", "mallory"))
        await until(lambda: starts.order == ["never-answers"])
        waiting = asyncio.ensure_future(starts.start("alice", "alice"))
        # alice starts while the stuck start still runs: its slot came back after hold_seconds()
        await until(lambda: "alice" in starts.order)
        assert not stuck.done() and queue.running == 1
        starts.gates["alice"].set()
        await waiting
        starts.gates["never-answers"].set()
        await stuck
        assert queue.running == 0  # released once, not twice

    run(main())
