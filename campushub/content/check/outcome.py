"""A notebook's result, and the check of what its runner reported.

The runner's outcome is schema-checked before anything of it is believed: a
runner that wrote nothing, wrote something malformed or ended abnormally
means the notebook failed ("error"), never that it passed. Every string that
came from a notebook is stripped of control characters, so no escape
sequence from an author's error message reaches the operator's terminal.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

STATUSES = ("passed", "failed", "timeout", "died", "error")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FIELDS = {"status": str, "cell": (int, type(None)), "ename": str, "evalue": str, "source": str, "error": str}
MAX_OUTCOME = 64 * 1024


def clean(text: str, newlines: bool = True) -> str:
    """`text` with every control character (ESC, BEL, CR, bidi overrides...) shown as a visible escape."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
                        str(text))
    return text if newlines else text.replace("\n", " ").replace("\t", " ")


@dataclass
class Result:
    notebook: str
    status: str                   # passed | failed | timeout | died | error
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_memory: int = 0
    cell: int | None = None
    ename: str = ""
    evalue: str = ""
    source: str = ""
    error: str = ""
    log: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def parse(raw: bytes, returncode: int | None) -> dict:
    """The runner's outcome as trusted fields, or an "error" outcome saying what was wrong with it."""
    if returncode != 0:
        how = (f"was killed by signal {-returncode}" if returncode and returncode < 0
               else f"exited with status {returncode}")
        return {"status": "error", "error": f"the notebook's runner {how} before reporting a result"}
    try:
        value = json.loads(raw[:MAX_OUTCOME].decode())
    except (UnicodeDecodeError, ValueError):
        return {"status": "error", "error": "the notebook's runner reported no readable result"}
    problem = _invalid(value)
    if problem:
        return {"status": "error", "error": f"the notebook's runner reported an invalid result ({problem})"}
    return {key: clean(v) if isinstance(v, str) else v for key, v in value.items()}


def _invalid(value) -> str | None:
    if not isinstance(value, dict):
        return "not an object"
    unknown = set(value) - set(_FIELDS)
    if unknown:
        return f"unknown fields {sorted(unknown)}"
    for key, kinds in _FIELDS.items():
        if key in value and (not isinstance(value[key], kinds) or isinstance(value[key], bool)):
            return f"{key} has the wrong type"
    if value.get("status") not in STATUSES[:-1]:
        return "no valid status"
    if isinstance(value.get("cell"), int) and value["cell"] < 0:
        return "negative cell"
    return None
