"""The culler's hub service entry: the command the hub runs and the rules
it hands over. Evaluated in the hub's own process (locally and in the hub
pod), so the interpreter and the hook file are the ones installed there."""

from __future__ import annotations

import json
import sys
from importlib import resources

from ...config.culling import enabled

# Not the chart's "jupyterhub-idle-culler": hub/merge.by_name would mix the two entries' commands.
SERVICE = "campushub-idle-culler"
RULES_ENV = "CAMPUSHUB_CULLING"
# The culler's own config file (--config): it sets IdleCuller.cull_arbiter_hook.
HOOK_FILE = "idle_culler_config.py"


def rules(config: dict) -> dict:
    """What the hook needs of the site configuration (config.culling.limits_for reads it)."""
    culling = config["culling"]
    return {"culling": {k: culling[k] for k in ("enabled", "timeout", "interval", "max_age", "cull_admins", "groups")}}


def spec(config: dict) -> dict | None:
    if not enabled(config):
        return None
    culling = config["culling"]
    hook = resources.files(__package__).joinpath(HOOK_FILE)
    return {
        "command": [
            sys.executable, "-m", "jupyterhub_idle_culler",
            f"--timeout={culling['timeout']}",
            f"--cull-every={culling['interval']}",
            # max_age is the hook's to apply: it differs by group, and the
            # culler would stop an admin's server for age whatever the hook said
            "--max-age=0",
            f"--config={hook}",
        ],
        "environment": {RULES_ENV: json.dumps(rules(config))},
        "info": {"description": "Stops servers idle longer than the site's culling timeout"},
    }
