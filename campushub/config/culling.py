"""The culling section: which servers are stopped after how long, for both
deployments, and its old place under `kubernetes:`.

Both the hub's culler (hub/culling) and the servers' own warning before a
cull (singleuser) take a person's limits from limits_for(), so the warning
counts down to the moment the culler acts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, line_of

OLD_KEY = "kubernetes.culling"
log = logging.getLogger("campushub.config")
_warned: set[str] = set()


@dataclass(frozen=True)
class Limits:
    """A server's limits in seconds; None: never stopped for that reason."""
    timeout: int | None
    max_age: int | None


def enabled(config: dict) -> bool:
    return bool(config["culling"]["enabled"])


def limits_for(config: dict, groups: Iterable[str], admin: bool = False) -> Limits:
    """The limits of a person in these hub groups. Several override groups:
    the longest of each (max_age 0 is no limit, the longest of all)."""
    culling = config["culling"]
    if not culling["enabled"] or (admin and not culling["cull_admins"]):
        return Limits(None, None)
    overrides = [culling["groups"][g] for g in sorted(set(groups)) if g in culling["groups"]]
    timeouts = [o["timeout"] for o in overrides if o.get("timeout") is not None]
    ages = [o["max_age"] for o in overrides if o.get("max_age") is not None]
    timeout = max(timeouts) if timeouts else culling["timeout"]
    max_age = (0 if 0 in ages else max(ages)) if ages else culling["max_age"]
    return Limits(timeout, max_age or None)


def activity_interval(config: dict) -> int:
    """How often servers report activity to the hub: fresh enough that a
    server in use is never taken for idle, and one left alone stops within
    timeout + interval (+ this) of its last use."""
    culling = config["culling"]
    shortest = min([culling["timeout"], *(o["timeout"] for o in culling["groups"].values()
                                         if o.get("timeout") is not None)])
    return max(5, min(300, shortest // 4))


def relocate(config: dict, doc: Any, path: str | None) -> None:
    """Read kubernetes.culling (its place before culling: was shared by both
    deployments) as culling, with a warning once per file; both set is an error."""
    old = config.get("kubernetes", {}).pop("culling", None)
    if old is None:
        return
    if isinstance(doc, dict) and "culling" in doc:
        raise ConfigError(f"also set as {OLD_KEY} (line {line_of(doc, ['kubernetes', 'culling'])}); "
                          f"keep only culling and delete {OLD_KEY}",
                          path=path, key="culling", line=line_of(doc, ["culling"]))
    from .loader import defaults, merge, schema  # here: the loader imports this module

    config["culling"] = merge(defaults(schema()["properties"]["culling"]), old)
    where = f"{path}:{line_of(doc, ['kubernetes', 'culling'])}" if path else "the site configuration"
    if where not in _warned:
        _warned.add(where)
        log.warning("%s: %s is now the top-level culling: section, for both deployments; "
                    "move it there (it is still read, for now)", where, OLD_KEY)


def check(config: dict, fail: Callable[[str, str], None]) -> None:
    """A warning must come before the cull it announces."""
    culling = config["culling"]
    warning = culling["warning"]
    if not culling["enabled"] or not warning:
        return
    timeouts = {"culling.timeout": culling["timeout"],
                **{f"culling.groups.{g}.timeout": o["timeout"] for g, o in culling["groups"].items()
                   if o.get("timeout") is not None}}
    for key, timeout in timeouts.items():
        if warning >= timeout:
            fail("culling.warning", f"got {warning}, not less than {key} ({timeout}); "
                                    "make the warning shorter than every timeout, or 0 for none")
