"""The two systems under test behind one interface: stock JupyterHub and CampusHub."""

from __future__ import annotations

from pathlib import Path

import requests

from campushub.deploy.local.spawner import cgroups
from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name
from tests.harness import TEST_PREFIX

from .accounts import uid_of, useradd
from .common import CAMPUS_PREFIX, STOCK_PREFIX


class Target:
    label = ""
    prefix = ""

    def __init__(self, hub):
        self.hub = hub
        self.tokens: dict[str, str] = {}

    def hub_name(self, suffix: str) -> str:
        return f"{self.prefix}{suffix}"

    def unix(self, hub_name: str) -> str:
        raise NotImplementedError

    def ensure_account(self, hub_name: str) -> None:
        raise NotImplementedError

    def hub_log(self) -> Path:
        raise NotImplementedError

    def server_log(self, hub_name: str) -> Path:
        raise NotImplementedError

    def throttling(self, hub_name: str) -> dict | None:
        return None  # stock sets no CPU limit

    def prepare(self, names: list[str], accounts: bool = True) -> None:
        """Hub users (and, unless told otherwise, unix accounts) plus a user token each; untimed."""
        if accounts:
            for name in names:
                self.ensure_account(name)
        missing = [n for n in names if n not in self.tokens]
        if missing:
            r = self.api("POST", "users", json={"usernames": missing})
            if r.status_code not in (201, 409):
                r.raise_for_status()
            for name in missing:
                self.tokens[name] = self.hub.user_token(name)

    def api(self, method: str, path: str, timeout: float = 30, **kwargs) -> requests.Response:
        """The hub's REST API as the admin service, with a per-call timeout."""
        return requests.request(
            method, f"{self.hub.url}/hub/api/{path}",
            headers={"Authorization": f"token {self.hub.api_token}"}, timeout=timeout, **kwargs,
        )

    def uids(self, names: list[str]) -> dict[str, int]:
        return {n: uid for n in names if (uid := uid_of(self.unix(n))) is not None}


class StockTarget(Target):
    label = "stock"
    prefix = STOCK_PREFIX

    def unix(self, hub_name: str) -> str:
        return hub_name  # LocalProcessSpawner: the hub name is the unix name

    def ensure_account(self, hub_name: str) -> None:
        useradd(hub_name)

    def hub_log(self) -> Path:
        return self.hub.log_file

    def server_log(self, hub_name: str) -> Path:
        return self.hub.log_file  # LocalProcessSpawner: servers write to the hub's stdout


class CampusTarget(Target):
    label = "campushub"
    prefix = CAMPUS_PREFIX

    def unix(self, hub_name: str) -> str:
        return unix_name(hub_name, TEST_PREFIX)

    def ensure_account(self, hub_name: str) -> None:
        ensure_user(self.unix(hub_name))  # what the spawner would do on first start

    def hub_log(self) -> Path:
        return self.hub.data_dir / "logs" / "hub.log"

    def server_log(self, hub_name: str) -> Path:
        return self.hub.data_dir / "logs" / "users" / f"{self.unix(hub_name)}.log"

    def throttling(self, hub_name: str) -> dict | None:
        """CFS throttling of the server's cgroup so far: how often and how long the CPU limit held it back."""
        try:
            backend = cgroups.detect()
        except cgroups.CgroupUnavailable:
            return None
        base = backend.mounts["cpu"] if backend.version == 1 else backend.root
        try:
            text = (base / cgroups.PARENT / self.unix(hub_name) / "cpu.stat").read_text()
            kv = dict(line.split() for line in text.splitlines())
        except (OSError, ValueError):
            return None
        ns = int(kv.get("throttled_time", 0)) or int(kv.get("throttled_usec", 0)) * 1000
        return {"periods": int(kv.get("nr_periods", 0)), "throttled": int(kv.get("nr_throttled", 0)),
                "throttled_s": round(ns / 1e9, 3)}
