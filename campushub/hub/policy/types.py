"""The values policies and choices are made of, shared by the local and the
Kubernetes spawners."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    min: float
    max: float
    default: float

    @property
    def fixed(self) -> bool:
        """Nothing to choose: the form leaves the control out."""
        return self.min == self.max


@dataclass(frozen=True)
class Policy:
    """What one user may choose: the union of their groups' policies."""

    cpu: Range                               # cores
    memory: Range                            # bytes
    gpus: Range                              # whole GPUs; min is always 0
    environments: tuple[tuple[str, str], ...]  # allowed (name, tag) pairs, in display order
    node_pools: tuple[str, ...]
    max_servers: int
    user_environments: bool
    groups: tuple[str, ...] = ()             # the policy groups it came from (empty: default)
    cpu_guarantee_ratio: float = 1 / 3
    memory_guarantee_ratio: float = 1.0


@dataclass(frozen=True)
class Choice:
    """A checked request: only ever built by choose.choose()."""

    cpu_limit: float
    cpu_guarantee: float
    mem_limit: int
    mem_guarantee: int
    gpus: int
    environment: str
    tag: str
    node_pool: str | None = None

    def as_user_options(self) -> dict:
        """The canonical form stored as the server's user_options (and remembered)."""
        return {"cpu": self.cpu_limit, "memory": self.mem_limit, "gpus": self.gpus,
                "environment": f"{self.environment}:{self.tag}", "node_pool": self.node_pool}
