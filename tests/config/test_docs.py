"""docs/configuration.md renders every description and default whole."""

import subprocess
import sys

from campushub.cli.config_cmd import reference
from campushub.config import schema

# JSON Schema keywords the schema uses. A description with ", " or ": " in a
# YAML flow mapping ({..., description: a, b}) silently became an unknown key
# and cut the description short, which is how the docs got garbled.
KEYWORDS = {
    "$schema", "$ref", "$defs", "title", "type", "default", "description", "properties", "additionalProperties",
    "propertyNames", "required", "minProperties", "items", "enum", "pattern", "minimum", "maximum",
    "exclusiveMinimum", "minLength", "x-hint", "x-size",
    "x-required", "x-secret", "x-secret-files", "x-rules",  # an auth section's own checks (config/auth_sections.py)
}


def _unknown(node, path=""):
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _unknown(item, f"{path}/{i}")
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key not in KEYWORDS:
            yield f"{path}/{key}"
        if key in ("properties", "$defs"):
            for name, sub in value.items():
                yield from _unknown(sub, f"{path}/{key}/{name}")
        elif key not in ("default", "enum", "x-required", "x-secret", "x-secret-files", "x-rules"):
            yield from _unknown(value, f"{path}/{key}")


def test_schema_has_no_keys_split_off_a_description():
    assert list(_unknown(schema())) == []


def test_descriptions_keep_their_commas_and_colons():
    docs = reference()
    assert "Lowest a user may choose (unset: from policies.default, else limits). |" in docs
    assert "e.g. {min: 1G, max: 64G, default: 4G}." in docs


def test_cells_are_single_lines_and_pipes_are_escaped():
    rows = [line for line in reference().splitlines() if line.startswith("| `")]
    assert rows and all(line.replace("\\|", "").count("|") == 4 for line in rows)
    assert '`"(\\|(member={userdn})' in reference()


def test_defaults_are_inline_code_of_their_json():
    docs = reference()
    assert "| `limits.memory` | `\"2G\"` |" in docs
    assert "| `hub.db_url` | `null` |" in docs
    assert "Allowed: `\"auto\"`, `\"en\"`" in docs


def test_config_show_into_a_closed_pipe_is_quiet():
    # `head -n 1` exits after one line; the rest of the output hits a closed pipe.
    proc = subprocess.run(f"{sys.executable} -m campushub config docs | head -n 1", shell=True,
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "# campushub.yaml reference"
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
