"""A real hub running the jobs service (`campushub up` starts it beside the hub,
with the local backend: jobs run detached as their owner in a cgroup), two
people who sign in with a password (eve and fay, whose servers were started
in English, yui, whose server was started in Japanese), each with a running server,
and their notebooks written through their own server's contents API.

Jobs are submitted as JupyterLab's "Run as job…" submits them: to the
person's own server (the campushub_jobs extension), which forwards them to
the service with the server's token."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import requests

from campushub.jobs.model import FINAL

from ...conftest import make_user, spawn
from ...harness import TEST_PREFIX, Browserless, Hub, running, wait_for

SERVICE = "/services/jobs/"
# The test hub's policy is 1 CPU and 512 MiB exactly: "small" fits it, "big" is more than it allows.
PROFILES = {"small": {"display_name": "Small (1 CPU, 512 MiB)", "cpu": 1, "memory": "512M"},
            "big": {"display_name": "Big (1 CPU, 4 GiB)", "cpu": 1, "memory": "4G"}}
PEOPLE = {"eve": "en", "fay": "en", "yui": "ja"}  # the language each one's server is started in


@dataclass
class Site:
    hub: Hub
    people: dict[str, Browserless] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return self.hub.url + SERVICE

    def server(self, who: str, method: str, path: str, headers: dict | None = None, **kwargs) -> requests.Response:
        """A request to `who`'s own server with their token."""
        return requests.request(method, f"{self.hub.url}/user/{who}/{path}", timeout=120,
                                headers={"Authorization": f"token {self.tokens[who]}", **(headers or {})}, **kwargs)

    def write_notebook(self, who: str, path: str, parameters: str, *cells: str) -> None:
        """A notebook with a cell tagged `parameters` (papermill puts the job's after it), saved as JupyterLab does."""
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        first = nbformat.v4.new_code_cell(parameters)
        first.metadata["tags"] = ["parameters"]
        nb.cells = [first, *(nbformat.v4.new_code_cell(source) for source in cells)]
        folder = str(Path(path).parent)
        if folder != ".":
            self.server(who, "PUT", f"api/contents/{folder}", json={"type": "directory"})
        r = self.server(who, "PUT", f"api/contents/{path}",
                        json={"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))})
        assert r.status_code in (200, 201), r.text

    def submit(self, who: str, body: dict) -> requests.Response:
        """Through the person's server, as JupyterLab's "Run as job…" does."""
        return self.server(who, "POST", "campushub/jobs/submit", json=body)

    def jobs(self, who: str) -> list[dict]:
        r = requests.get(self.prefix + "api/jobs", headers={"Authorization": f"token {self.tokens[who]}"},
                         timeout=60)
        assert r.status_code == 200, r.text
        return r.json()["jobs"]

    def ended(self, who: str, ids: list[str], timeout: float = 300) -> dict[str, dict]:
        """id -> record, once every one of them has ended."""
        def done():
            found = {j["id"]: j for j in self.jobs(who) if j["id"] in ids}
            return found if len(found) == len(ids) and all(j["state"] in FINAL for j in found.values()) else None
        return wait_for(done, timeout, f"{who}'s jobs {ids} to end")


# The site lives from its first use (the browser tests) to the end of the session, while other modules'
# hubs come and go, each removing TEST_PREFIX's accounts at teardown: that killed eve's server between the
# browser tests and the page tests (CI). Its accounts have a prefix of their own, as the course hub's.
PREFIX = "chj" + TEST_PREFIX[3:]


@contextlib.contextmanager
def jobs_site(workdir: Path):
    hub = Hub.create(workdir, {"jobs": {"enabled": True, "max_running_per_person": 2}, "profiles": PROFILES,
                               "spawner": {"user_prefix": PREFIX}})
    with running(hub, PREFIX):
        admin = Browserless(hub, "admin", hub.admin_password)
        assert admin.login().status_code == 302
        site = Site(hub)
        for name, lang in PEOPLE.items():
            site.people[name] = make_user(hub, admin, name)
            site.tokens[name] = hub.user_token(name)
            # their unix account, and the server the page's links open in, in their language (JupyterLab's and
            # the "Run as job…" texts are chosen at spawn)
            site.people[name].session.headers["Accept-Language"] = lang
            spawn(hub, site.people[name])
        yield site
