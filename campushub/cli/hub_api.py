"""A small client of the hub's REST API, authenticated as the campushub-cli service."""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests

from ..deploy.local.layout import Layout


@dataclass
class HubAPI:
    url: str
    token: str

    @classmethod
    def for_layout(cls, layout: Layout) -> HubAPI:
        config = json.loads(layout.config_copy.read_text())
        hub = config["hub"]
        return cls(f"http://127.0.0.1:{hub['hub_port']}{hub['base_url']}hub/api/", layout.cli_token.read_text().strip())

    def _request(self, method: str, path: str, **kwargs):
        r = requests.request(
            method, self.url + path, headers={"Authorization": f"token {self.token}"}, timeout=30, **kwargs
        )
        r.raise_for_status()
        return r.json() if r.content else None

    def get(self, path: str, **kwargs):
        return self._request("GET", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self._request("DELETE", path, **kwargs)
