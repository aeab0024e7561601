"""Load and validate campushub.yaml.

ruamel.yaml keeps the line of every key, so a schema error can point at the
line the admin has to edit instead of only naming a JSON path.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from . import resource_checks
from .units import parse_bytes

SCHEMA_RESOURCE = "schema.yaml"


class ConfigError(ValueError):
    """A configuration problem, phrased for the admin who has to fix it."""

    def __init__(self, message: str, *, path: str | None = None, key: str = "", line: int | None = None):
        self.path, self.key, self.line = path, key, line
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        elif line:
            where = f"line {line}: "
        super().__init__(f"{where}{key + ': ' if key else ''}{message}")


@lru_cache(maxsize=1)
def schema() -> dict:
    text = resources.files(__package__).joinpath(SCHEMA_RESOURCE).read_text()
    return YAML(typ="safe").load(text)


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
    return node


def _line_of(doc: Any, path: list) -> int | None:
    """1-based line of the deepest key of `path` that exists in the document."""
    line, node = None, doc
    for part in path:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, dict) and part in node and lc is not None:
                line = lc.key(part)[0] + 1
            elif isinstance(node, list) and isinstance(part, int) and lc is not None:
                line = lc.item(part)[0] + 1
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return line


def _describe(error) -> str:  # a jsonschema.ValidationError
    """Say what is allowed, not just what failed."""
    v, s = error.validator, error.schema
    got = repr(error.instance)
    if v == "additionalProperties":
        allowed = ", ".join(sorted(s.get("properties", {})))
        extra = sorted(set(error.instance) - set(s.get("properties", {})))
        return f"unknown key {', '.join(map(repr, extra))}; allowed keys here: {allowed}"
    if v == "enum":
        return f"got {got}; allowed values: {', '.join(map(str, s['enum']))}"
    if v == "type":
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        return f"got {got}; expected {' or '.join(types)}"
    bounds = {"minimum": "at least", "exclusiveMinimum": "more than",
              "maximum": "at most", "exclusiveMaximum": "less than"}
    if v in bounds:
        return f"got {got}; must be {bounds[v]} {error.validator_value}"
    if v == "pattern":
        return f"got {got}; expected {s.get('x-hint', 'the form ' + s['pattern'])}"
    return f"{error.message}"




def _semantic_checks(config: dict, doc: Any, path: str | None) -> None:
    def fail(key: str, message: str):
        keys = key.split(".")
        line = None
        while keys and line is None:  # the key itself may be absent: point at its parent
            line = _line_of(doc, keys)
            keys = keys[:-1]
        raise ConfigError(message, path=path, key=key, line=line)

    mem = config["limits"]["memory"]
    if parse_bytes(mem) < 64 * 1024**2:
        fail("limits.memory", f"got {mem!r}; must be at least 64M")
    https = config["hub"]["https"]
    if bool(https["cert"]) != bool(https["key"]):
        fail("hub.https", "set both cert and key, or neither")
    if config["embedding"]["allowed_origins"] and not (
        https["cert"] or (config["hub"]["public_url"] or "").startswith("https://")
    ):
        fail("embedding.allowed_origins",
             "embedding needs HTTPS (browsers send iframe cookies only over HTTPS); "
             "set hub.https.cert and hub.https.key, or hub.public_url to the https:// "
             "address of the TLS proxy in front")
    auth = config["auth"]
    for key in _REQUIRED_BY_AUTH.get(auth["type"], ()):
        section, _, name = key.partition(".")
        if not auth[section][name]:
            fail(f"auth.{key}", f"auth.type is {auth['type']}, which needs auth.{key}")
    if auth["type"] == "site_token":
        site = auth["site_token"]
        if bool(site["database"]["url"]) == bool(site["http"]["url"]):
            fail("auth.site_token", "set exactly one of database.url and http.url")
    if auth["type"] == "oidc" and auth["oidc"]["allowed_groups"] and not auth["oidc"]["groups_claim"]:
        fail("auth.oidc.allowed_groups", "needs groups_claim: without it nobody's groups are known")
    google = auth["google"]
    workspace = [google["service_account_key_file"], google["workspace_admin"], google["hosted_domains"]]
    if auth["type"] == "google" and any(workspace[:2]) and not all(workspace):
        fail("auth.google", "reading Workspace groups needs hosted_domains, service_account_key_file "
             "and workspace_admin together")
    if auth["type"] == "google" and google["allowed_groups"] and not all(workspace):
        fail("auth.google.allowed_groups", "needs hosted_domains, service_account_key_file and "
             "workspace_admin, to read Workspace groups")
    if auth["type"] == "ldap" and not (auth["ldap"]["bind_dn_template"] or auth["ldap"]["user_search_base"]):
        fail("auth.ldap", "set bind_dn_template or user_search_base, so users can be found")
    ldap = auth["ldap"]
    if auth["type"] == "ldap" and ldap["allowed_groups"] and not ldap["group_search_base"]:
        fail("auth.ldap.allowed_groups", "needs group_search_base: without it nobody's groups are known")
    if auth["type"] == "ldap" and bool(ldap["search_user"]) != bool(ldap["search_password"]):
        fail("auth.ldap.search_user", "set search_user and search_password together")
    resource_checks.check(config, fail)


_REQUIRED_BY_AUTH = {
    "oidc": ("oidc.authorize_url", "oidc.token_url", "oidc.userdata_url", "oidc.client_id", "oidc.client_secret"),
    "google": ("google.client_id", "google.client_secret"),
    "ldap": ("ldap.server_address",),
}


def validate(doc: Any, path: str | None = None) -> dict:
    """Validate a parsed document; return the effective config (defaults filled in)."""
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ConfigError("the file must be a mapping of keys to values", path=path, line=1)
    data = _plain(doc)
    # Imported here: jsonschema's import takes over a second (its format
    # checkers build grammars), which every CLI command would pay otherwise.
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = errors[0]
        keys = list(err.absolute_path)
        if err.validator == "additionalProperties":
            # point at the unknown key itself, not at its parent
            keys.append(sorted(set(err.instance) - set(err.schema.get("properties", {})))[0])
        raise ConfigError(
            _describe(err),
            path=path,
            key=".".join(map(str, err.absolute_path)) or "(top level)",
            line=_line_of(doc, keys),
        )
    config = _fill_entries(merge(defaults(), data), schema())
    _semantic_checks(config, doc, path)
    return config


def loads(text: str, path: str | None = None) -> dict:
    try:
        doc = YAML(typ="rt").load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(f"not valid YAML: {e.problem or e.context}", path=path, line=line) from None
    return validate(doc, path)


def load(path: str | Path | None) -> dict:
    """Load a file; None means no file: the defaults."""
    if path is None:
        return defaults()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found; pass an existing file to --config", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read: {e}", path=str(p)) from None
    return loads(text, str(p))


def public_url(config: dict) -> str:
    """Where browsers reach the hub (no trailing slash, base_url not included)."""
    hub = config["hub"]
    if hub["public_url"]:
        return hub["public_url"]
    scheme = "https" if hub["https"]["cert"] else "http"
    host = "localhost" if hub["ip"] in ("0.0.0.0", "::", "") else hub["ip"]
    return f"{scheme}://{host}:{hub['port']}"
