"""Whole GPUs for local servers, each held by one server at a time.

A server sees only its GPUs through CUDA_VISIBLE_DEVICES (by UUID, which stay
stable when the driver renumbers devices). The hub is the only one handing
them out, so an in-process ledger is enough; servers that survive a hub
restart give theirs back to the ledger from their saved state.
"""

from __future__ import annotations

import shutil
import subprocess
import threading

_LOCK = threading.Lock()
_HELD: dict[str, list[str]] = {}  # server (cgroup name) -> GPU UUIDs


class GPUUnavailable(RuntimeError):
    def __init__(self, requested: int, free: int, total: int):
        super().__init__(f"{requested} GPU(s) requested, {free} of {total} free")
        self.requested, self.free, self.total = requested, free, total


def detect(nvidia_smi: str = "nvidia-smi") -> list[str]:
    """UUIDs of this machine's GPUs; none when nvidia-smi is missing or fails."""
    exe = shutil.which(nvidia_smi)
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=uuid", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip().startswith("GPU-")]


def allocate(owner: str, count: int, nvidia_smi: str = "nvidia-smi") -> list[str]:
    """Give `owner` `count` GPUs nobody holds (none for 0), or raise GPUUnavailable."""
    if count <= 0:
        release(owner)
        return []
    present = detect(nvidia_smi)
    with _LOCK:
        _HELD.pop(owner, None)
        taken = {uuid for uuids in _HELD.values() for uuid in uuids}
        free = [uuid for uuid in present if uuid not in taken]
        if len(free) < count:
            raise GPUUnavailable(count, len(free), len(present))
        _HELD[owner] = free[:count]
        return list(_HELD[owner])


def adopt(owner: str, uuids: list[str]) -> None:
    """Record GPUs a running server already has (after a hub restart)."""
    with _LOCK:
        if uuids:
            _HELD[owner] = list(uuids)


def release(owner: str) -> None:
    with _LOCK:
        _HELD.pop(owner, None)


def held() -> dict[str, list[str]]:
    with _LOCK:
        return {k: list(v) for k, v in _HELD.items()}
