"""Load and validate campushub.yaml.

ruamel.yaml keeps the line of every key, so a schema error can point at the
line the admin has to edit instead of only naming a JSON path. Reading the
file (reading.py) and parsing the YAML (yamltext.py) refuse what would hang,
exhaust memory or crash before validation starts.
"""

from __future__ import annotations

import copy
import datetime
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from . import auth_sections, culling, numbers, reading, semantic, yamltext
from .errors import ConfigError, describe, line_of
from .units import parse_bytes

__all__ = ["ConfigError", "defaults", "load", "loads", "merge", "parse_bytes", "schema", "validate"]

SCHEMA_RESOURCE = "schema.yaml"


def schema() -> dict:
    return _schema(auth_sections.generation())


@lru_cache(maxsize=2)
def _schema(generation: int) -> dict:
    # per generation: an auth type registered at run time adds its section (auth_sections.py)
    text = resources.files(__package__).joinpath(SCHEMA_RESOURCE).read_text()
    return auth_sections.complete(YAML(typ="safe").load(text))


def defaults(node: dict | None = None) -> dict:
    """The effective configuration of an empty file."""
    node = node or schema()
    out = {}
    for key, sub in node.get("properties", {}).items():
        if sub.get("type") == "object" and "properties" in sub:
            out[key] = defaults(sub)
        else:
            out[key] = copy.deepcopy(sub.get("default"))
    return out


def _fill_entries(config: Any, node: dict) -> Any:
    """Defaults inside maps of user-named entries (courses, environments, ...),
    which defaults() cannot know in advance."""
    if not isinstance(config, dict):
        return config
    for key, sub in node.get("properties", {}).items():
        if key in config:
            config[key] = _fill_entries(config[key], sub)
    entry = node.get("additionalProperties")
    if isinstance(entry, dict) and "properties" in entry:
        for key, value in config.items():
            if isinstance(value, dict) and key not in node.get("properties", {}):
                config[key] = _fill_entries(merge(defaults(entry), value), entry)
    return config


def merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _plain(node: Any) -> Any:
    """ruamel's commented containers -> plain dicts and lists."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, datetime.date):  # YAML reads an unquoted 2026-06-30 as a date
        return node.isoformat()
    return node


def _validator():
    # jsonschema imports rfc3987_syntax when it is installed (JupyterHub's
    # jupyter_events brings it), which compiles ~40 grammars: 2.6 s of CPU in
    # every CLI command and every test that runs one. The schema checks no
    # formats, so jsonschema is imported without it (only during this import).
    hide = "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules
    if hide:
        sys.modules["rfc3987_syntax"] = None  # an ImportError for jsonschema, which it handles
    try:
        import jsonschema
    finally:
        if hide:
            del sys.modules["rfc3987_syntax"]
    cls = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"x-size": numbers.size_keyword})
    return cls(schema())


def validate(doc: Any, path: str | None = None) -> dict:
    """Validate a parsed document; return the effective config (defaults filled in)."""
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ConfigError("the file must be a mapping of keys to values", path=path, line=1)
    data = _plain(doc)
    bad = numbers.non_finite(data)
    if bad:
        keys, message = bad
        raise ConfigError(message, path=path, key=".".join(map(str, keys)), line=line_of(doc, list(keys)))
    # jsonschema is imported inside _validator: its import takes over a second
    # (its format checkers build grammars), which every CLI command would pay.
    errors = sorted(_validator().iter_errors(data),
                    key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = errors[0]
        keys = list(err.absolute_path)
        if err.validator == "additionalProperties":
            # point at the unknown key itself, not at its parent
            keys.append(sorted(set(err.instance) - set(err.schema.get("properties", {})))[0])
        raise ConfigError(
            describe(err),
            path=path,
            key=".".join(map(str, err.absolute_path)) or "(top level)",
            line=line_of(doc, keys),
        )
    config = _fill_entries(merge(defaults(), data), schema())
    culling.relocate(config, doc, path)
    semantic.check(config, doc, path)
    return config


def loads(text: str, path: str | None = None) -> dict:
    def fail(message: str, key: str = "", line: int | None = None):
        raise ConfigError(message, path=path, key=key, line=line)

    if len(text) > reading.MAX_FILE_BYTES:
        fail(f"larger than {reading.MAX_FILE_BYTES // 1024} KiB; a site configuration is a few KiB of YAML")
    return validate(yamltext.parse(text, fail), path)


def load(path: str | Path | None) -> dict:
    """Load a file; None means no file: the defaults."""
    if path is None:
        # an empty file, not the bare defaults(): the same relocations and checks as any file (the old
        # kubernetes.culling's null default must not reach a later re-validation, `up --port`)
        return validate({})
    p = Path(path)

    def fail(message: str):
        raise ConfigError(message, path=str(p))

    return loads(reading.read_text(p, fail), str(p))


def public_url(config: dict) -> str:
    """Where browsers reach the hub (no trailing slash, base_url not included)."""
    hub = config["hub"]
    if hub["public_url"] or hub["subdomain_host"]:  # the same when both are set (origins.check)
        return hub["public_url"] or hub["subdomain_host"]
    scheme = "https" if hub["https"]["cert"] else "http"
    host = "localhost" if hub["ip"] in ("0.0.0.0", "::", "") else hub["ip"]
    return f"{scheme}://{host}:{hub['port']}"
