"""Who gets kernels from the site's Enterprise Gateway, at spawn, in both
deployments (PolicyMixin.get_env). The remote-kernels service's address
(CAMPUSHUB_GATEWAY_URL, hub/services.py server_env) reaches every server
through the spawner's environment; it stays only for people in
remote_kernels.groups, and never for an app server, which has no kernels.
jupyter_server 2.21 takes either local or gateway kernels, not both
(jupyter-server/jupyter_server#1187): a server with the address gets all its
kernels, one kernelspec per profile, from the gateway (the user
environment's server config, singleuser/remote_kernel_manager.py). With it
come the labels of the dialog JupyterLab shows when the gateway stopped an
idle kernel (labextension/src/culled.js; the message itself comes from the
service, with the idle time)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..config.remote_kernels import uses_gateway
from ..i18n import N_, translate

GATEWAY_ENV = "CAMPUSHUB_GATEWAY_URL"
TEXTS_ENV = "CAMPUSHUB_REMOTE_KERNELS_TEXTS"
TEXTS = (N_("Kernel stopped"), N_("Restart"), N_("Close"))


def remote_kernels_env(env: dict, config: dict, groups: Iterable[str], lang: str, app: bool) -> dict:
    if app or not env.get(GATEWAY_ENV) or "remote_kernels" not in config or not uses_gateway(config, groups):
        env.pop(GATEWAY_ENV, None)
        env.pop(TEXTS_ENV, None)
        return env
    env[TEXTS_ENV] = json.dumps({text: translate(lang, text) for text in TEXTS}, ensure_ascii=False)
    return env
