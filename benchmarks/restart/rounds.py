"""One round: both hubs restarted (in alternating order), then the users API asked in alternating blocks."""

from __future__ import annotations

from ..spawn.common import log
from .hubs import Side


def restarts(sides: list[Side], rnd: int, phases: list[dict]) -> None:
    order = sides if rnd % 2 else sides[::-1]
    for side in order:
        timing = side.restart()
        phases.append({"target": side.name, "phase": "restart", "round": rnd, **timing})
        log(f"round {rnd}: {side.name} answered after {timing['api_s']:.2f} s"
            + (f" (up done at {timing['up_done_s']:.2f} s)" if "up_done_s" in timing else ""))


def users_api(sides: list[Side], rnd: int, requests_each: int, block: int, warmup: int,
              phases: list[dict]) -> None:
    for side in sides:
        for _ in range(warmup):
            side.users_page()
    samples: dict[str, list[float]] = {side.name: [] for side in sides}
    pair = 0
    while any(len(v) < requests_each for v in samples.values()):
        for side in (sides if pair % 2 == 0 else sides[::-1]):
            size = min(block, requests_each - len(samples[side.name]))
            samples[side.name] += [side.users_page() for _ in range(size)]
        pair += 1
    for side in sides:
        phases.append({"target": side.name, "phase": "users_api", "round": rnd,
                       "samples_ms": [round(ms, 3) for ms in samples[side.name]]})
    log(f"round {rnd}: {requests_each} GET /hub/api/users?limit=200 per hub")
