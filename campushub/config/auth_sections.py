"""The `auth` sections of the schema: one per auth type, and their checks.

An auth type is its section under `auth` (schema.yaml, or added here by a
type registered from outside the package: hub/auth/registry.py) plus the
module that configures it. `auth.type`'s allowed values are derived from the
sections, so adding a type never means editing a list. A section states the
checks the schema cannot express, which apply when its type is chosen:

    x-required: [key, ...]          each must be set
    x-rules:                        each rule: `when` (optional; any of these
      - {when: [...], all|any|one: [...], key: ..., message: ...}
                                    set) then all / at least one / exactly
                                    one of the keys must be set; otherwise
                                    `message` at auth.<type>.<key>

    x-secret: [key, ...]            may be left out of a file for Kubernetes
    x-secret-files: {key: name}     names a file that a release mounts from
                                    its files Secret, where it is `name`

Keys may be dotted (database.url); "set" means not empty.
"""

from __future__ import annotations

import copy

_extra: dict[str, dict] = {}
_generation = 0


def add(name: str, section: dict) -> None:
    global _generation
    _extra[name] = copy.deepcopy(section)
    _generation += 1


def remove(name: str) -> None:
    global _generation
    if _extra.pop(name, None) is not None:
        _generation += 1


def generation() -> int:
    """Changes whenever a section is added or removed (the loader caches per value)."""
    return _generation


def complete(schema: dict) -> dict:
    """The schema (changed in place) with the added sections and auth.type's enum."""
    sections = schema["properties"]["auth"]["properties"]
    sections.update(copy.deepcopy(_extra))
    sections["type"]["enum"] = [name for name in sections if name != "type"]
    return schema


def _value(section: dict, key: str):
    for part in key.split("."):
        section = section.get(part) if isinstance(section, dict) else None
    return section


def check(config: dict, schema: dict, fail, from_secret: bool = False) -> None:
    """from_secret: a file for Kubernetes, whose `x-secret` keys may be left out
    (the release's Secret supplies them: deploy/kubernetes/secrets.py)."""
    kind = config["auth"]["type"]
    spec = schema["properties"]["auth"]["properties"].get(kind, {})
    values = config["auth"].get(kind) or {}
    secret = set(spec.get("x-secret", ())) if from_secret else set()

    def state(key: str) -> str:
        return "set" if _value(values, key) else "maybe" if key in secret else "unset"

    base = f"auth.{kind}"
    for key in spec.get("x-required", ()):
        if state(key) == "unset":
            fail(f"{base}.{key}", f"auth.type is {kind}, which needs {base}.{key}")
    for rule in spec.get("x-rules", ()):
        if "when" in rule and not any(state(k) == "set" for k in rule["when"]):
            continue
        mode = next(m for m in ("all", "any", "one") if m in rule)
        states = [state(k) for k in rule[mode]]
        ok = {
            "all": "unset" not in states,
            "any": states.count("unset") < len(states),
            "one": states.count("set") <= 1 and states.count("unset") < len(states),
        }[mode]
        if not ok:
            fail(f"{base}.{rule['key']}" if rule.get("key") else base, rule["message"])
