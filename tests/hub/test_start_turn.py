"""A spawner's turn in the start line (PolicyMixin.start_turn, hub/policy/start_turn.py): the place
in line in the learner's language, and start_timeout, on a real asyncio loop with real Spawner
subclasses driven the way JupyterHub's User.spawn drives them. Nothing is mocked."""

from __future__ import annotations

import asyncio
import math

import pytest
from jupyterhub.spawner import Spawner
from tornado import web

from campushub.hub import start_queue
from campushub.hub.policy.spawner import PolicyMixin
from campushub.hub.policy.start_turn import TOO_SLOW
from campushub.i18n import translate


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


async def until(predicate) -> None:
    """Let the loop run until predicate() holds (run()'s wait_for is the deadline)."""
    while not predicate():
        await asyncio.sleep(0)


class Request:
    def __init__(self, lang):
        self.headers = {"Accept-Language": lang}


class Handler:
    def __init__(self, lang):
        self.request = Request(lang)


class LineSpawner(PolicyMixin, Spawner):
    """Starts the way SystemUserSpawner does: the launch inside start_turn,
    progress messages collected as the progress page would show them."""

    def __init__(self, lang="en", **kw):
        super().__init__(**kw)
        self.handler = Handler(lang)
        self.messages: list[str] = []
        self.gate = asyncio.Event()
        self.turns = 0

    async def start(self):
        async with self.start_turn(self.messages.append):
            self.turns += 1
            await self.gate.wait()
        return "http://127.0.0.1:1"

    async def stop(self, now=False):
        pass

    async def poll(self):
        return None


@pytest.fixture
def fresh_line(monkeypatch):
    monkeypatch.setattr(start_queue, "_shared", None)


async def spawn(spawner):
    """What JupyterHub's User.spawn does around start(): the pre-spawn hook,
    then start() bounded by start_timeout as read right after it."""
    await asyncio.sleep(0)
    spawner.run_pre_spawn_hook()
    f = asyncio.ensure_future(spawner.start())
    return await asyncio.wait_for(f, timeout=spawner.start_timeout)


@pytest.mark.parametrize("lang", ["ja", "ru", "en"])
def test_the_place_in_line_is_told_in_the_learners_language(fresh_line, lang):
    async def main():
        first, second = LineSpawner(lang, concurrent_starts=1), LineSpawner(lang, concurrent_starts=1)
        tasks = [asyncio.ensure_future(spawn(first))]
        await until(lambda: first.turns == 1)
        tasks.append(asyncio.ensure_future(spawn(second)))
        await until(lambda: second.messages)
        first.gate.set()
        await until(lambda: second.turns == 1)
        second.gate.set()
        await asyncio.gather(*tasks)
        return first.messages, second.messages

    first, second = run(main())
    assert first == []
    assert second[0] == translate(lang, start_queue.IN_LINE, position=1, seconds=math.ceil(start_queue.DEFAULT_SECONDS))
    assert second[-1] == translate(lang, start_queue.YOUR_TURN)
    if lang != "en":
        assert second[0] != start_queue.IN_LINE.format(position=1, seconds=math.ceil(start_queue.DEFAULT_SECONDS))


def test_time_in_line_does_not_count_against_the_start_timeout(fresh_line):
    async def main():
        holder = LineSpawner(concurrent_starts=1, start_timeout=30, queue_timeout=600)
        waiter = LineSpawner(concurrent_starts=1, start_timeout=30, queue_timeout=600)
        tasks = [asyncio.ensure_future(spawn(holder))]
        await until(lambda: holder.turns == 1)
        assert holder.start_timeout == 30  # back to the configured limit once its turn came
        tasks.append(asyncio.ensure_future(spawn(waiter)))
        await until(lambda: waiter.messages)
        assert waiter.start_timeout == 630  # what JupyterHub's wait_for got: line + start
        holder.gate.set()
        await until(lambda: waiter.turns == 1)
        waiter.gate.set()
        await asyncio.gather(*tasks)
        # and again on the next start: the configured value is not compounded
        waiter.gate.clear()
        task = asyncio.ensure_future(spawn(waiter))
        await until(lambda: waiter.turns == 2)
        assert waiter.start_timeout == 30
        waiter.gate.set()
        await task

    run(main())


def test_the_start_itself_is_still_held_to_the_configured_start_timeout(fresh_line):
    async def main():
        hangs = LineSpawner("ja", concurrent_starts=1, start_timeout=1, queue_timeout=600)
        with pytest.raises(TimeoutError) as failed:
            await spawn(hangs)  # never lets its gate open
        return start_queue._shared, failed.value

    queue, error = run(main())
    assert queue.running == 0
    # still a timeout to JupyterHub; the learner reads why, in their language
    assert error.jupyterhub_message == translate("ja", TOO_SLOW, seconds=1)


def test_a_timeout_of_the_start_itself_keeps_its_own_message(fresh_line):
    class OwnTimeout(LineSpawner):
        async def start(self):
            async with self.start_turn(self.messages.append):
                raise TimeoutError("the pod did not start in 300 seconds")

    with pytest.raises(TimeoutError, match="the pod did not start") as failed:
        run(spawn(OwnTimeout(concurrent_starts=1, start_timeout=60)))
    assert not hasattr(failed.value, "jupyterhub_message")


def test_too_long_in_line_fails_with_a_plain_translated_message(fresh_line, monkeypatch):
    async def main():
        holder = LineSpawner(concurrent_starts=1)
        waiter = LineSpawner("ru", concurrent_starts=1, queue_timeout=1)
        task = asyncio.ensure_future(spawn(holder))
        await until(lambda: holder.turns == 1)
        with pytest.raises(web.HTTPError) as failed:
            await spawn(waiter)
        holder.gate.set()
        await task
        return failed.value

    error = run(main())
    assert error.status_code == 503
    assert error.jupyterhub_message == translate("ru", start_queue.TOO_LONG, minutes=1)
    assert start_queue._shared.waiting == 0 and start_queue._shared.running == 0


def test_automatic_concurrent_starts_uses_the_cores_this_hub_may_use():
    spawner = LineSpawner()
    assert spawner.concurrent_starts == 0
    assert 1 <= spawner.automatic_concurrent_starts() <= (__import__("os").cpu_count() or 1)
