"""Site configurations and checked choices, with the pod each should give."""

from __future__ import annotations

from dataclasses import dataclass, field

from campushub.config import validate
from campushub.deploy.kubernetes.render.images import user_image
from campushub.hub.policy.types import Choice

GIB = 2**30
DIGEST = "sha256:" + "0123456789abcdef" * 4
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
HIGHMEM_TOLERATION = {"key": "dedicated", "operator": "Equal", "value": "highmem",
                      "effect": "NoExecute", "tolerationSeconds": 300}

DEFAULT_SITE = validate({})
SITE = validate({
    "environments": {
        "ds": {"versions": {"2026.11": {"image": "registry.example.com/ds:2026.11"},
                            "2026.12rc1": {"image": None}},
               "tags": {"stable": "2026.11", "dev": "2026.12rc1"}},
        "pinned": {"versions": {"v1": {"image": f"registry.example.com/pinned@{DIGEST}"}},
                   "tags": {"stable": "v1"}},
    },
    "kubernetes": {
        "namespace": "jhub",
        "image": {"name": "registry.example.com/base", "tag": "2026.10"},
        "node_pools": {
            "gpu": {"node_selector": {"cloud.google.com/gke-nodepool": "gpu"},
                    "tolerations": [GPU_TOLERATION]},
            "highmem": {"node_selector": {"pool": "highmem", "disk": "ssd"},
                        "tolerations": [HIGHMEM_TOLERATION]},
        },
    },
    "policies": {"groups": {
        "staff": {"cpu": {"max": 8}, "memory": {"max": "64G"}, "gpus": {"max": 2},
                  "node_pools": ["gpu", "highmem"]},
    }},
})


@dataclass(frozen=True)
class Case:
    config: dict
    choice: Choice
    image: str
    node_selector: dict = field(default_factory=dict)
    tolerations: list = field(default_factory=list)


CASES = {
    # No configuration at all: the implicit environment in the user image CampusHub builds.
    "defaults": Case(DEFAULT_SITE, Choice(1.0, 0.333, 2 * GIB, 2 * GIB, 0, "python", "stable"),
                     image=user_image(DEFAULT_SITE, "python", "default")),
    "gpus-on-gpu-pool": Case(SITE, Choice(4.0, 1.333, 16 * GIB, 16 * GIB, 2, "ds", "stable", "gpu"),
                             image="registry.example.com/ds:2026.11",
                             node_selector={"cloud.google.com/gke-nodepool": "gpu"},
                             tolerations=[GPU_TOLERATION]),
    # A version without its own image falls back to kubernetes.image.
    "highmem-dev-tag": Case(SITE, Choice(0.25, 0.083, 64 * GIB, 32 * GIB, 0, "ds", "dev", "highmem"),
                            image="registry.example.com/base:2026.10",
                            node_selector={"pool": "highmem", "disk": "ssd"},
                            tolerations=[HIGHMEM_TOLERATION]),
    "gpu-without-pool-digest-image": Case(SITE, Choice(2.0, 0.667, 4 * GIB, 3 * GIB, 1, "pinned", "stable"),
                                          image=f"registry.example.com/pinned@{DIGEST}"),
}
