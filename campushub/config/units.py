"""Sizes as people write them in campushub.yaml and forms."""

from __future__ import annotations

import re

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
# 1 PiB: far above any machine's memory, far below what cgroup files and
# Kubernetes quantities hold (above 2^64 the kernel stored the limit as 0).
MAX_BYTES = 2**50


def parse_bytes(value: int | str) -> int:
    """'2G', '512 MiB', '1.5GB' or an int -> bytes (binary units, as cgroups count)."""
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int):
        n = value
    else:
        m = re.fullmatch(r"\s*([0-9]{1,20}(?:\.[0-9]{1,20})?)\s*([KMGT]?)i?B?\s*", str(value))
        if not m:
            raise ValueError(f"not a size: {value!r}")
        n = int(float(m.group(1)) * _UNITS[m.group(2)])
    if n > MAX_BYTES:
        raise ValueError(f"{value!r} is too large: sizes are at most 1024T (2^50 bytes)")
    return n
