"""The learners of one class as asyncio tasks in this process: arrival times, the run, Ctrl-C."""

from __future__ import annotations

import asyncio
import random
import signal

import aiohttp

from ..spawn.common import log
from ..spawn.frame import Interrupted
from .directory import password
from .learner import Learner, new_sample


def arrivals(n: int, window: float, seed: int | None) -> list[float]:
    """Offsets in seconds: evenly spread over the window, or uniformly at random (sorted) with a seed."""
    if n <= 1:
        return [0.0] * n
    if seed is None:
        return [window * i / n for i in range(n)]
    rng = random.Random(seed)
    return sorted(rng.uniform(0, window) for _ in range(n))


PROGRESS_EVERY = 15.0  # seconds between "so far" lines while a class runs


async def _one(base: str, name: str, offset: float, timeout: float, connector, live: list[dict]) -> dict:
    await asyncio.sleep(offset)
    sample = new_sample(name, offset)
    live.append(sample)
    learner = Learner(base, name, password(name), connector)
    try:
        await asyncio.wait_for(learner.run(sample), timeout)
    except TimeoutError:
        sample["error"] = f"not done within {timeout:g} s"
    finally:
        await learner.close()
    return sample


async def _so_far(label: str, live: list[dict], total: int) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        count = lambda key: sum(1 for s in live if s[key] is not None)  # noqa: E731
        log(f"  {label}: {len(live)}/{total} arrived, {count('ready_s')} ready, {count('result_s')} results, "
            f"{count('error')} failed")


async def run_learners(label: str, base: str, names: list[str], offsets: list[float], timeout: float) -> list[dict]:
    # A Python signal handler that raises would raise inside whichever task step runs,
    # often one of aiohttp's own that nobody awaits, and the signal would be lost: let
    # the loop take the signals for the class, cancel everything, then raise.
    loop, me, caught = asyncio.get_running_loop(), asyncio.current_task(), []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        loop.add_signal_handler(sig, lambda sig=sig: (caught.append(sig), me.cancel()))
    # one connection pool for everybody (each learner keeps its own cookies)
    connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=None)
    live: list[dict] = []
    ticker = asyncio.create_task(_so_far(label, live, len(names))) if len(names) > 1 else None
    try:
        return await asyncio.gather(*(_one(base, n, o, timeout, connector, live)
                                      for n, o in zip(names, offsets, strict=True)))
    except asyncio.CancelledError:
        if caught:
            raise Interrupted(f"signal {caught[0]}") from None
        raise
    finally:
        if ticker:
            ticker.cancel()
        await connector.close()
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, handler)
