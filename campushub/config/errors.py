"""Configuration errors, phrased for the admin who has to fix them: the key,
its line in the file, what was wrong and what is allowed."""

from __future__ import annotations

import re
from typing import Any

from . import exposure

# Keys and tags come from the file: an escape sequence in one must not reach
# the operator's terminal (and a newline must not break the one-line message).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class ConfigError(ValueError):
    """A configuration problem, phrased for the admin who has to fix it."""

    def __init__(self, message: str, *, path: str | None = None, key: str = "", line: int | None = None):
        self.path, self.key, self.line = path, key, line
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        elif line:
            where = f"line {line}: "
        text = f"{where}{key + ': ' if key else ''}{message}"
        super().__init__(_CONTROL.sub(lambda m: repr(m.group())[1:-1], text))


def line_of(doc: Any, path: list) -> int | None:
    """1-based line of the deepest key of `path` that exists in the document."""
    line, node = None, doc
    for part in path:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict) and part not in node:
            # validation saw keys as strings; YAML may have made them 1, null, (a, b)
            part = next((k for k in node if str(k) == str(part)), part)
        try:
            if isinstance(node, dict) and part in node and lc is not None:
                line = lc.key(part)[0] + 1
            elif isinstance(node, list) and isinstance(part, int) and lc is not None:
                line = lc.item(part)[0] + 1
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return line


def describe(error) -> str:  # a jsonschema.ValidationError
    """Say what is allowed, not just what failed."""
    v, s = error.validator, error.schema
    got = repr(error.instance)
    if exposure.is_secret(error.path[-1] if error.path else "", error.instance):
        got = "a value holding a secret (not shown)"  # these messages reach terminals and hub logs
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
    if v == "x-size":
        return error.message
    return error.message.replace(repr(error.instance), got)  # jsonschema's own words quote the value
