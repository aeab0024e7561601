"""Who the person is to the hub: their groups (which profiles they may use) and,
for kernel pods on Kubernetes, their project groups. Asked with the front's own
token (role campushub-remote-kernels), not the person's: a server's token need
not be able to read its owner's groups, and the answer decides what they may
run. Kept for a short while: a notebook server lists kernelspecs and kernels
every few seconds."""

from __future__ import annotations

import time

from ..projects.model import is_project
from ..projects.web.hubapi import HubAPI

FRESH_S = 30


class People:
    def __init__(self, hub: HubAPI, fresh_s: float = FRESH_S):
        self.hub, self.fresh_s = hub, fresh_s
        self._groups: dict[str, tuple[float, list[str]]] = {}

    async def groups(self, name: str) -> list[str]:
        """The person's hub groups ([] for a user the hub no longer has; HubError when the hub fails)."""
        now = time.monotonic()
        cached = self._groups.get(name)
        if cached and now - cached[0] < self.fresh_s:
            return cached[1]
        model = await self.hub.user(name)
        groups = sorted((model or {}).get("groups") or [])
        self._groups[name] = (now, groups)
        return groups

    async def projects(self, groups: list[str]) -> list[str]:
        """Which of these groups are projects (their properties mark them)."""
        found = []
        for group in groups:
            model = await self.hub.group(group)
            if model and is_project(model.get("properties")):  # a group gone since gives no volume
                found.append(group)
        return found
