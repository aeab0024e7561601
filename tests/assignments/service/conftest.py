"""Course c1 of the real CampusHub with courses (tests/conftest.py
`course_hub`), whose `campushub up` runs the real assignments service, and
its people, in the course's groups through the hub's REST API. The fixtures
`site` and `service_ps1` are in tests/assignments/conftest.py, one for the
service's tests and the pages' (tests/assignments/web)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import requests

from ...harness import Hub

COURSE = "c1"
PEOPLE = {"ann": "c1-learners", "ben": "c1-learners", "tess": "c1-tutors", "otto": None}


@dataclass
class Site:
    hub: Hub
    tokens: dict[str, str]

    @property
    def prefix(self) -> str:
        return f"{self.hub.url}/services/assignments/"

    def call(self, who: str | None, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if who:
            headers["Authorization"] = f"token {self.tokens[who]}"
        return requests.request(method, self.prefix + path, headers=headers, timeout=120, **kwargs)

    def config(self) -> dict:
        return json.loads((self.hub.data_dir / "effective-config.json").read_text())


def b64(files: dict[str, bytes]) -> dict[str, str]:
    return {p: base64.b64encode(d).decode("ascii") for p, d in files.items()}
