"""What a user server is told about culling at spawn, in both deployments
(PolicyMixin.get_env): how its own kernels are culled, and when the hub's
culler would stop the server itself, so that the warning extension
(singleuser/cull_warning.py, which imports nothing of CampusHub) can tell a
learner with a notebook open beforehand, in their language.

This person's limits (per-group overrides, cull_admins) come from the
same function the culler's arbiter uses (config.culling.limits_for), so
the warning counts down to the moment the culler acts and never comes for
a server the culler would keep."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..config.culling import limits_for
from ..i18n import N_, translate

KERNELS_ENV = "CAMPUSHUB_KERNEL_CULLING"
SERVER_ENV = "CAMPUSHUB_CULL"

# Exactly the strings the JupyterLab plugin shows (labextension/src/cull_warning.js);
# {minutes} is filled in by the page.
TEXTS = (
    N_("This server will stop in {minutes} min because it has been idle. Save your work, or click "
       "Keep working: any activity keeps it running."),
    N_("This server will stop in {minutes} min because it has reached its maximum running time. "
       "Save your work now."),
    N_("Keep working"),
    N_("Your server keeps running."),
)


def culling_env(config: dict, groups: Iterable[str], admin: bool, lang: str) -> dict[str, str]:
    culling = config.get("culling")
    if not culling:
        # a plain jupyterhub_config.py using our spawner without a site configuration: no culling of ours
        return {}
    env = {}
    kernels = culling["kernels"]
    if kernels["timeout"]:
        env[KERNELS_ENV] = json.dumps({k: kernels[k] for k in ("timeout", "interval", "cull_busy", "cull_connected")})
    limits = limits_for(config, groups, admin)
    # also with warning 0: the extension then only keeps reads from counting as activity, without
    # which an open tab (JupyterLab polls every few seconds) would keep the server for ever
    if limits.timeout is not None:
        env[SERVER_ENV] = json.dumps({
            "timeout": limits.timeout, "max_age": limits.max_age or 0, "warning": culling["warning"],
            "texts": {text: translate(lang, text) for text in TEXTS}}, ensure_ascii=False)
    return env
