"""The timed executions: warm-up, then blocks alternating between the two servers."""

from __future__ import annotations

from ..spawn.common import log
from .client import KernelClient
from .servers import CELL

PROGRESS_EVERY = 10  # pairs of blocks between progress lines


def order(pair: int) -> tuple[str, str]:
    """on-off, off-on, on-off, ...: neither server always goes right after the other."""
    return ("on", "off") if pair % 2 == 0 else ("off", "on")


async def interleaved(on, off, executions: int, block: int, warmup: int, phases: list[dict],
                      quickack: bool = True) -> None:
    """Fill `phases` with {"side", "pair", "samples": [{"reply_ms", "done_ms", "status"}]} as blocks finish."""
    clients = {}
    try:
        for server in (on, off):
            kernel = server.open_session()
            clients[server.label] = await KernelClient.connect(server.port, server.token, kernel, quickack)
        for i in range(warmup):
            for side in order(i):
                await clients[side].execute(CELL)
        pairs = -(-executions // block)
        for pair in range(pairs):
            size = min(block, executions - pair * block)
            for side in order(pair):
                samples = []
                for _ in range(size):
                    reply, done, status = await clients[side].execute(CELL)
                    samples.append({"reply_ms": round(reply, 4), "done_ms": round(done, 4), "status": status})
                phases.append({"side": side, "pair": pair, "samples": samples})
            if (pair + 1) % PROGRESS_EVERY == 0:
                log(f"  {min(executions, (pair + 1) * block)}/{executions} executions per server")
    finally:
        for client in clients.values():
            client.close()
