"""EG's kernelspecs as GatewayKernelSpecManager reads them, narrowed to the
caller's allowed profiles:

  GET api/kernelspecs               {"default": ..., "kernelspecs": {name: spec}}: only the allowed ones
  GET api/kernelspecs/NAME          one of them; any other: 404
  GET kernelspecs/NAME/RESOURCE     its logo and the like

EG's own `?user=` filter (its kernelspecs' authorized_users) is given the
caller's name, never what the client asked for. What only the gateway needs
(the launcher's command line with the site's paths, the process proxy) is left
out of the specs, and of the resources only the logos are served."""

from __future__ import annotations

from urllib.parse import quote

from .kernels import GatewayAnswers
from .messages import NO_KERNEL

SPEC = r"([a-z0-9][a-z0-9._-]{0,63})"
RESOURCE = r"(logo-[A-Za-z0-9x-]{1,32}\.(?:png|svg))"


def public(model):
    """A kernelspec model without the launcher's argv, env and process proxy (JupyterLab needs argv to be a list)."""
    if not isinstance(model, dict) or not isinstance(model.get("spec"), dict):
        return model
    spec = {**model["spec"], "argv": [], "env": {}}
    metadata = spec.get("metadata")
    if isinstance(metadata, dict):
        spec["metadata"] = {k: v for k, v in metadata.items() if k != "process_proxy"}
    return {**model, "spec": spec}


class KernelspecsHandler(GatewayAnswers):
    async def get(self):
        allowed = await self.kernelspecs()
        answer = await self.call("GET", "/api/kernelspecs", query={"user": self.person})
        if answer.status >= 400:
            self.relay(answer)
        data = answer.json() or {}
        specs = {name: public(spec) for name, spec in (data.get("kernelspecs") or {}).items() if name in allowed}
        default = data.get("default") if data.get("default") in specs else next(iter(
            [n for n in allowed if n in specs]), None)
        self.write_json({"default": default, "kernelspecs": specs})


class KernelspecHandler(GatewayAnswers):
    async def get(self, name):
        if name not in await self.kernelspecs():
            self.fail(404, NO_KERNEL)
        answer = await self.call("GET", f"/api/kernelspecs/{quote(name)}", query={"user": self.person})
        if answer.status >= 400:
            self.relay(answer)
        self.write_json(public(answer.json()))


class ResourceHandler(GatewayAnswers):
    async def get(self, name, resource):
        if name not in await self.kernelspecs():
            self.fail(404, NO_KERNEL)
        self.relay(await self.call("GET", f"/kernelspecs/{quote(name)}/{quote(resource)}"))


ROUTES = [
    (r"api/kernelspecs/?", KernelspecsHandler),
    (rf"api/kernelspecs/{SPEC}/?", KernelspecHandler),
    (rf"kernelspecs/{SPEC}/{RESOURCE}", ResourceHandler),
]
