"""The campushub.yaml the live test deploys, and the choice it spawns with.

Native accounts with open sign-up: the one auth type that needs nothing
outside the cluster (no directory, no identity provider, no course site),
so the test runs on a bare kind or k3s. Small sizes, so a laptop's kind node
holds the hub, the proxy, the user scheduler and a server.
"""

from __future__ import annotations

import json
from pathlib import Path

from campushub.config import validate
from campushub.hub.policy.choose import choose
from campushub.hub.policy.resolve import effective_policy
from campushub.hub.policy.types import Choice

LEARNER = "live-learner"
PASSWORD = "live-learner-Secret-pw-2026"
# Not the policy's defaults, so a pod that got the defaults fails the test.
CHOICE = {"cpu": 0.25, "memory": "384M"}


def site_config(namespace: str) -> dict:
    return {
        "auth": {"type": "native", "native": {"open_signup": True}},
        "policies": {
            "cpu_guarantee_ratio": 0.5,
            "memory_guarantee_ratio": 0.5,
            "default": {"cpu": {"min": 0.1, "max": 0.5, "default": 0.5},
                        "memory": {"min": "256M", "max": "1G", "default": "512M"}},
        },
        "kubernetes": {"namespace": namespace, "storage_capacity": "1Gi"},
    }


def write_config(path: Path, namespace: str) -> Path:
    path.write_text(json.dumps(site_config(namespace), indent=1))  # JSON is YAML
    return path


def expected_choice(namespace: str) -> Choice:
    """What the hub's policy check makes of CHOICE for a learner in no group."""
    config = validate(site_config(namespace))
    return choose(effective_policy(config, []), config, CHOICE, None)


if __name__ == "__main__":
    # The configuration to build the images from (README.md); images do not
    # depend on the namespace, which each run picks afresh.
    print(json.dumps(site_config("campushub-live"), indent=1))
