"""A real CampusHub with one course, whose `campushub up` runs the real
assignments service (helper D's supervisor), and people in the course's
groups made through the hub's REST API. Shared by the service tests."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest
import requests

from ...harness import Hub, running

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


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    hub = Hub.create(tmp_path_factory.mktemp("assignments-hub"), {
        "courses": {COURSE: {"title": "Course one", "learners_group": "c1-learners", "tutors_group": "c1-tutors"}},
        "assignments": {"max_notebook_size": "256K", "workers": 1},
    })
    with running(hub):
        for name, group in PEOPLE.items():
            assert hub.api("POST", f"users/{name}").status_code in (201, 409)
            if group:
                if hub.api("GET", f"groups/{group}").status_code == 404:
                    assert hub.api("POST", f"groups/{group}").status_code == 201
                assert hub.api("POST", f"groups/{group}/users", json={"users": [name]}).status_code == 200
        yield Site(hub, {name: hub.user_token(name) for name in PEOPLE})


@pytest.fixture(scope="session")
def service_ps1(site, ps1_source):
    """ps1 (tests/assignments/fixtures) created and released by tutor tess through the API."""
    files = {**ps1_source.notebooks, **ps1_source.files}
    r = site.call("tess", "POST", f"api/course/{COURSE}/assignments",
                  json={"name": "ps1", "title": "Problem set 1", "due": None, "release": True, "files": b64(files)})
    assert r.status_code == 201, r.text
    return r.json()
