"""YAML text of what the renderer writes, with ruamel.yaml (a dependency
already): multi-line strings (the mounted campushub.yaml, the hub's Python)
as literal blocks, so values.yaml stays readable and diffable."""

from __future__ import annotations

import io

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString


def _literal(node):
    if isinstance(node, dict):
        return {k: _literal(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_literal(v) for v in node]
    if isinstance(node, str) and "\n" in node and all(line == line.rstrip() for line in node.split("\n")):
        return LiteralScalarString(node)
    return node


def dump(data, *, explicit_start: bool = False) -> str:
    yaml = YAML()
    yaml.width = 120
    yaml.explicit_start = explicit_start
    # "null" rather than nothing: a reader of the mounted file sees the key is unset on purpose
    yaml.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    out = io.StringIO()
    yaml.dump(_literal(data), out)
    return out.getvalue()
