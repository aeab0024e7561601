"""EG's kernel REST API as jupyter_server's GatewayClient calls it, narrowed to
the caller's own kernels (gateway/managers.py: GatewayMappingKernelManager,
GatewayKernelManager):

  GET    api/kernels                 the caller's running kernels (EG's models)
  POST   api/kernels                 {name, env}: start a kernel of an allowed kernelspec, as the caller
  GET    api/kernels/ID              one of the caller's kernels; anyone else's: 404
  DELETE api/kernels/ID              shut it down
  POST   api/kernels/ID/interrupt    (and /restart) passed on
"""

from __future__ import annotations

import json
import logging

from ..hub.policy.choose import PolicyError
from . import access
from .base import FrontHandler
from .messages import BAD_BODY, GATEWAY_REFUSED, NO_KERNEL, NO_PROFILE, TOO_FAST, TOO_MANY

log = logging.getLogger("campushub.remote_kernels")
KERNEL_ID = r"([0-9a-fA-F-]{1,64})"


class GatewayAnswers(FrontHandler):
    def _paced(self) -> None:
        """Refuse a launch (start or restart) beyond the person's pace (pace.py), with one line."""
        if not self.settings["launches"].allow(self.person):
            self.fail(429, TOO_FAST, count=self.settings["launches"].per_window)

    def relay(self, answer, status: int | None = None) -> None:
        """EG's answer to the client; a refusal becomes one line of ours carrying EG's reason."""
        if answer.status == 404:
            self.fail(404, NO_KERNEL)
        if answer.status >= 400:
            self.fail(answer.status if answer.status < 500 else 502, GATEWAY_REFUSED,
                      reason=answer.reason() or str(answer.status))
        self.set_status(status or answer.status)
        if answer.body and answer.status != 204:
            self.set_header("Content-Type", answer.content_type)
            self.finish(answer.body)
        else:
            self.finish()


class KernelsHandler(GatewayAnswers):
    async def get(self):
        mine = {row["id"] for row in await self.off_loop(self.store.owned, self.person)}
        if not mine:  # a notebook server lists every few seconds: no need to ask EG for nothing
            self.write_json([])
            return
        answer = await self.call("GET", "/api/kernels")
        if answer.status >= 400:
            self.relay(answer)
        self.write_json([k for k in answer.json() or [] if isinstance(k, dict) and k.get("id") in mine])

    def _body(self) -> dict:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            self.fail(400, BAD_BODY, example='{"name": "campushub-small", "env": {}}')
        return body

    async def post(self):
        body = self._body()
        allowed = await self.kernelspecs()
        if body["name"] not in allowed:
            self.fail(403, NO_PROFILE, name=body["name"][:64], allowed=", ".join(allowed))
        async with self.settings["start_locks"][self.person]:  # two starts at once cannot both pass the count
            await self._room()
            self._paced()  # a start is the same launch as a restart: start + DELETE in a loop is paced alike
            await self._start(body, allowed)

    async def _room(self) -> None:
        """Refuse a start beyond remote_kernels.max_kernels_per_person, counting what EG has now (a kernel it
        culled since the last poll no longer counts)."""
        limit = self.site["remote_kernels"]["max_kernels_per_person"]
        mine = [row["id"] for row in await self.off_loop(self.store.owned, self.person)]
        if len(mine) < limit:
            return
        answer = await self.call("GET", "/api/kernels")
        if answer.status == 200:
            there = {k.get("id") for k in answer.json() or [] if isinstance(k, dict)}
            for kernel_id in set(mine) - there:
                await self.settings["culling"].gone(kernel_id)
            mine = [k for k in mine if k in there]
        if len(mine) >= limit:
            self.fail(403, TOO_MANY, count=len(mine))

    async def _start(self, body: dict, allowed: list[str]) -> None:
        try:
            extra = await self.from_hub(self.settings["extra_env"](self.person, body["name"], await self.groups()))
        except (KeyError, PolicyError):  # the deployment's own check of the profile (Kubernetes)
            self.fail(403, NO_PROFILE, name=body["name"][:64], allowed=", ".join(allowed))
        env = access.kernel_env(body.get("env"), self.person, extra)
        answer = await self.call("POST", "/api/kernels", {"name": body["name"], "env": env},
                                 timeout=self.settings["start_timeout"])
        model = answer.json() if answer.status < 300 else None
        if isinstance(model, dict) and isinstance(model.get("id"), str):
            try:
                await self.off_loop(self.store.add, model["id"], self.person, body["name"])
            except Exception:
                # a kernel nobody could ever reach again: stop it rather than leave it running unowned
                log.exception("could not record kernel %s of %s; shutting it down", model["id"], self.person)
                await self.call("DELETE", self.gateway.kernel_path(model["id"]))
                raise
            log.info("kernel %s (%s) started for %s", model["id"], body["name"], self.person)
            self.set_header("Location", f"{self.prefix}api/kernels/{model['id']}")
        self.relay(answer)


class KernelHandler(GatewayAnswers):
    async def get(self, kernel_id):
        await self.own(kernel_id)
        answer = await self.call("GET", self.gateway.kernel_path(kernel_id))
        if answer.status == 404:
            await self.settings["culling"].gone(kernel_id)
        self.relay(answer)

    async def delete(self, kernel_id):
        await self.own(kernel_id)
        answer = await self.call("DELETE", self.gateway.kernel_path(kernel_id))
        if answer.status < 300 or answer.status == 404:
            if answer.status == 404:
                await self.settings["culling"].gone(kernel_id)
            else:
                await self.off_loop(self.store.end, kernel_id, "deleted")
        self.relay(answer)


class ActionHandler(GatewayAnswers):
    async def post(self, kernel_id, action):
        row = await self.own(kernel_id)
        if action == "restart":  # a restart is a new launch: the profile must still be theirs (groups, policy)
            allowed = await self.kernelspecs()
            if row["kernelspec"] not in allowed:
                self.fail(403, NO_PROFILE, name=row["kernelspec"], allowed=", ".join(allowed))
            self._paced()
        answer = await self.call("POST", self.gateway.kernel_path(kernel_id, action), {})
        if answer.status == 404:
            await self.settings["culling"].gone(kernel_id)
        self.relay(answer)


ROUTES = [
    (r"api/kernels/?", KernelsHandler),
    (rf"api/kernels/{KERNEL_ID}/?", KernelHandler),
    (rf"api/kernels/{KERNEL_ID}/(interrupt|restart)/?", ActionHandler),
]
