"""Kernels EG culled, told apart from those that ended otherwise. EG forgets a
kernel it culls; the front remembers who owned it and when it was last busy
(EG's last_activity, read at each poll). A running kernel of the table that EG
no longer has, and that nobody deleted through the front, was culled when it
had idled at least remote_kernels.cull_idle_minutes, else it stopped (its
process died, the gateway restarted). Checked by a poll (every POLL_S) and at
once whenever EG answers 404 for a kernel the table has as running. One that
EG lists again (a 404 while it restarted and took its persisted kernels back)
is running again at the next poll."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tornado.ioloop import IOLoop, PeriodicCallback

from .gateway import Gateway, GatewayDown

log = logging.getLogger("campushub.remote_kernels")
POLL_S = 60


def _when(value) -> datetime | None:
    try:
        found = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


class Culling:
    def __init__(self, store, gateway: Gateway, idle_seconds: int, poll_s: float = POLL_S):
        self.store, self.gateway, self.idle_seconds, self.poll_s = store, gateway, idle_seconds, poll_s
        self._timer: PeriodicCallback | None = None

    def start(self) -> None:
        self._timer = PeriodicCallback(self.poll, self.poll_s * 1000)
        self._timer.start()
        IOLoop.current().add_callback(self.poll)

    async def _off(self, fn, *args):
        return await IOLoop.current().run_in_executor(None, fn, *args)

    async def gone(self, kernel_id: str, now: datetime | None = None) -> str | None:
        """EG has no such kernel: mark the table's running one culled or stopped (its new state)."""
        row = await self._off(self.store.get, kernel_id)
        if row is None or row["state"] != "running":
            return None
        now = now or datetime.now(UTC)
        idle = (now - (row["last_activity"] or row["started"])).total_seconds()
        state = "culled" if idle >= self.idle_seconds else "stopped"
        if await self._off(self.store.end, kernel_id, state):
            log.info("kernel %s of %s %s (idle %.0f s)", kernel_id, row["owner"], state, idle)
        return state

    async def poll(self) -> None:
        asked = datetime.now(UTC)
        try:
            answer = await self.gateway.call("GET", "/api/kernels")
        except GatewayDown as e:
            log.warning("gateway not answering (%s): culled kernels are found at its next answer", e)
            return
        if answer.status != 200:
            log.warning("gateway lists no kernels (HTTP %d): is EnterpriseGatewayApp.list_kernels on?",
                        answer.status)
            return
        found = {k.get("id"): _when(k.get("last_activity")) for k in answer.json() or [] if isinstance(k, dict)}
        for kernel_id in await self._off(self.store.revive, [k for k in found if isinstance(k, str)]):
            log.warning("kernel %s is listed by the gateway again: running", kernel_id)
        running = await self._off(self.store.running)
        await self._off(self.store.seen, {r["id"]: found[r["id"]] for r in running if found.get(r["id"])})
        for row in running:
            # started after EG's list was taken: not in it yet, not gone
            if row["id"] not in found and row["started"] < asked:
                await self.gone(row["id"], asked)
