"""Checking a request (the spawn form or REST user_options) against a Policy.

This is the only authority: the form's input bounds are a convenience, and
anything a client sends is refused unless the user's policy allows it.
Refusals say what is allowed, in the user's language.
"""

from __future__ import annotations

import math

from ...config import parse_bytes
from ...i18n import N_, translate
from .types import Choice, Policy

KEYS = ("cpu", "memory", "gpus", "environment", "node_pool")
MAX_TEXT = 32
TOLERANCE = 1e-9

UNKNOWN = N_("Unknown option {key}. Allowed options: cpu, memory, gpus, environment, node_pool.")
CPU_RANGE = N_("CPU must be between {min} and {max} cores.")
CPU_FIXED = N_("CPU must be {value} cores.")
MEMORY_RANGE = N_("Memory must be between {min} and {max}.")
MEMORY_FIXED = N_("Memory must be {value}.")
NO_GPUS = N_("You may not use GPUs.")
GPU_RANGE = N_("GPUs must be a whole number from 0 to {max}.")
ENVIRONMENT = N_("The environment {name} is not available to you. Choose one of: {allowed}.")
NODE_POOL = N_("The node pool {name} is not available to you. Choose one of: {allowed}.")


class PolicyError(ValueError):
    def __init__(self, message: str, **params):
        self.message, self.params = message, params
        super().__init__(translate("en", message, **params))

    def translated(self, lang: str) -> str:
        return translate(lang, self.message, **self.params)


def _number(value) -> float | None:
    """A finite number from JSON or a form field; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return None
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _size(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return None
        try:
            return parse_bytes(value.strip())
        except ValueError:
            return None
    number = _number(value)
    return int(number) if number is not None and number == int(number) else None


def human_size(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:.4g} {unit}"
    return f"{int(n)} B"


def _within(value, r) -> bool:
    return value is not None and r.min - TOLERANCE <= value <= r.max + TOLERANCE


def _cpu(value, policy: Policy) -> float:
    number = _number(value)
    if not _within(number, policy.cpu):
        if policy.cpu.fixed:
            raise PolicyError(CPU_FIXED, value=f"{policy.cpu.min:g}")
        raise PolicyError(CPU_RANGE, min=f"{policy.cpu.min:g}", max=f"{policy.cpu.max:g}")
    return round(number, 3)


def _memory(value, policy: Policy) -> int:
    size = _size(value)
    if not _within(size, policy.memory):
        if policy.memory.fixed:
            raise PolicyError(MEMORY_FIXED, value=human_size(policy.memory.min))
        raise PolicyError(MEMORY_RANGE, min=human_size(policy.memory.min), max=human_size(policy.memory.max))
    return size


def _gpus(value, policy: Policy) -> int:
    number = _number(value)
    if number is not None and number == 0:
        return 0
    if policy.gpus.max == 0:
        raise PolicyError(NO_GPUS)
    if number is None or number != int(number) or not _within(number, policy.gpus):
        raise PolicyError(GPU_RANGE, max=int(policy.gpus.max))
    return int(number)


def _environment(value, policy: Policy, config: dict) -> tuple[str, str]:
    allowed = ", ".join(f"{n}:{t}" for n, t in policy.environments)
    if not isinstance(value, str) or len(value) > 2 * MAX_TEXT + 1:
        raise PolicyError(ENVIRONMENT, name=str(value)[:MAX_TEXT], allowed=allowed)
    name, _, tag = value.strip().partition(":")
    if not tag:
        env = config["environments"].get(name)
        tag = env.get("default_tag", "stable") if env else "stable"
    if (name, tag) not in policy.environments:
        raise PolicyError(ENVIRONMENT, name=value.strip(), allowed=allowed)
    return name, tag


def _node_pool(value, policy: Policy) -> str | None:
    if value in (None, "") and not policy.node_pools:
        return None
    if value not in policy.node_pools:
        raise PolicyError(NODE_POOL, name=str(value)[:MAX_TEXT], allowed=", ".join(policy.node_pools) or "-")
    return value


def _defaults(policy: Policy, config: dict) -> dict:
    envs = policy.environments
    preferred = [p for p in envs if p[1] == config["environments"].get(p[0], {}).get("default_tag", "stable")]
    first = (preferred or list(envs) or [("", "")])[0]
    return {"cpu": policy.cpu.default, "memory": policy.memory.default, "gpus": policy.gpus.default,
            "environment": f"{first[0]}:{first[1]}", "node_pool": policy.node_pools[0] if policy.node_pools else None}


def choose(policy: Policy, config: dict, user_options: dict, previous: dict | None = None) -> Choice:
    """The checked choice; raises PolicyError for anything the policy does not allow.

    Keys left out take the user's previous choice where that is still
    allowed, else the policy's default.
    """
    if not isinstance(user_options, dict):
        raise PolicyError(UNKNOWN, key=type(user_options).__name__)
    for key in user_options:
        if key not in KEYS:
            raise PolicyError(UNKNOWN, key=str(key)[:MAX_TEXT])
    values = _defaults(policy, config)
    for key, value in (previous or {}).items():
        if key in KEYS and key not in user_options:
            try:
                _check_one(key, value, policy, config)
                values[key] = value
            except PolicyError:
                pass  # no longer allowed: the default instead
    values.update(user_options)
    cpu = _cpu(values["cpu"], policy)
    memory = _memory(values["memory"], policy)
    name, tag = _environment(values["environment"], policy, config)
    return Choice(
        cpu_limit=cpu, cpu_guarantee=max(0.001, round(cpu * policy.cpu_guarantee_ratio, 3)),
        mem_limit=memory, mem_guarantee=int(memory * policy.memory_guarantee_ratio),
        gpus=_gpus(values["gpus"], policy), environment=name, tag=tag,
        node_pool=_node_pool(values["node_pool"], policy),
    )


def _check_one(key: str, value, policy: Policy, config: dict) -> None:
    if key == "cpu":
        _cpu(value, policy)
    elif key == "memory":
        _memory(value, policy)
    elif key == "gpus":
        _gpus(value, policy)
    elif key == "environment":
        _environment(value, policy, config)
    else:
        _node_pool(value, policy)


def from_form(formdata: dict[str, list[str]]) -> dict:
    """The spawn form's fields as user_options: memory comes in GiB."""
    options = {}
    for key, values in formdata.items():
        if key == "_xsrf" or not values:
            continue
        value = values[0].strip() if isinstance(values[0], str) else values[0]
        if value == "":
            continue  # left empty: the default applies
        options[key] = f"{value}G" if key == "memory" and _number(value) is not None else value
    return options


def named_server_limit(policy: Policy) -> int:
    """JupyterHub's named_server_limit_per_user counts named servers only."""
    return max(0, policy.max_servers - 1)
