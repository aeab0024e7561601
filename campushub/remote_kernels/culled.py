"""GET api/campushub/culled/ID: what became of one of the caller's kernels, for
the notebook's "kernel stopped" message (singleuser/remote_kernels_server.py
asks with the server's token and the browser's Accept-Language):

  {"culled": bool, "state": "running"|"culled"|"stopped"|"deleted", "idle_minutes": N,
   "profile": kernelspec, "message": one translated line or null}

Anyone else's id, or one the front never started: 404."""

from __future__ import annotations

from ..config import remote_kernels as section
from .base import FrontHandler
from .kernels import KERNEL_ID
from .messages import CULLED, NO_KERNEL, STOPPED

TEXTS = {"culled": CULLED, "stopped": STOPPED}


class CulledHandler(FrontHandler):
    async def get(self, kernel_id):
        row = await self.off_loop(self.store.get, kernel_id)
        if row is None or row["owner"] != self.person:
            self.fail(404, NO_KERNEL)
        if row["state"] == "running":
            # asked right after a failure: look now rather than wait for the poll
            answer = await self.call("GET", self.gateway.kernel_path(kernel_id))
            if answer.status == 404:
                await self.settings["culling"].gone(kernel_id)
                row = await self.off_loop(self.store.get, kernel_id)
        minutes = section.idle_seconds(self.site) // 60
        text = TEXTS.get(row["state"])
        self.write_json({"culled": row["state"] == "culled", "state": row["state"], "idle_minutes": minutes,
                         "profile": row["kernelspec"], "message": self._(text, minutes=minutes) if text else None})


ROUTES = [(rf"api/campushub/culled/{KERNEL_ID}/?", CulledHandler)]
