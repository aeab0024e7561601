"""Numbers the schema's bounds cannot catch.

JSON Schema compares with <, so NaN passes every minimum and maximum
(`limits.cpu: .nan` was accepted, then every spawn was refused "between nan
and nan"); and sizes are strings the schema cannot compare at all (a limit
above 2^64 was accepted, then the kernel stored it as 0).
"""

from __future__ import annotations

import math
from typing import Any

from .units import parse_bytes

MAX_INTEGER = 2**53  # beyond this no setting makes sense, and JSON readers lose precision


def non_finite(node: Any, path: tuple = ()):
    """(path, message) of the first NaN, infinity or absurd integer anywhere in the document."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        if isinstance(node, float) and not math.isfinite(node):
            return path, f"got {node}; a number must be finite"
        if isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_INTEGER:
            return path, f"got {node}; numbers are at most {MAX_INTEGER}"
        return None
    for key, value in items:
        found = non_finite(value, (*path, key))
        if found:
            return found
    return None


def size_keyword(validator, enabled, instance, schema):
    """The `x-size` keyword: a size that parses and is at most MAX_BYTES."""
    import jsonschema

    if not enabled or isinstance(instance, bool) or not isinstance(instance, (int, str)):
        return
    try:
        parse_bytes(instance)
    except ValueError as e:
        yield jsonschema.ValidationError(str(e))
