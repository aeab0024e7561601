"""A real hub with the projects page's service (`campushub up`, which runs it
beside the hub as it runs it on a site), its project folders under a root of
the test's own, and people made through the hub's REST API:

    ann   owner of p-one        ben   member of p-one
    cal   owner of p-two        dee   in no project
    admin the hub's administrator (made by `up --admin`)

The projects are made by the admin through the service's own API, so the
first test of each module exercises creation too.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import requests

from campushub.deploy.local.projects import folders, groups
from campushub.retention.walk import remove_tree

from ...deploy.local.projects.conftest import purge
from ...harness import Hub, add_people, running, wait_for

SERVICE = "/services/projects/"
PEOPLE = ("ann", "ben", "cal", "dee")
PROJECTS = {"p-one": {"title": "Churn model", "owners": ["ann"], "members": ["ben"]},
            "p-two": {"title": "Fraud", "owners": ["cal"], "members": []}}


@dataclass
class Site:
    hub: Hub
    root: Path
    tokens: dict[str, str] = field(default_factory=dict)
    unix_groups: list[str] = field(default_factory=list)  # projects whose unix group a test made

    @property
    def prefix(self) -> str:
        return self.hub.url + SERVICE

    def call(self, who: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.tokens[who]}", **kwargs.pop("headers", {})}
        return requests.request(method, self.prefix + path, headers=headers, timeout=120, allow_redirects=False,
                                **kwargs)

    def mine(self, who: str) -> list[str]:
        r = self.call(who, "GET", "api/projects")
        assert r.status_code == 200, r.text
        return [p["name"] for p in r.json()["projects"]]

    def folder(self, name: str) -> Path:
        """The project's folder as a member's first start makes it (its unix group, root:gid 2770, the ACLs):
        the service measures and deletes only a folder of the project's own group."""
        self.unix_groups.append(name)
        root_fd = folders.open_root(self.root)
        try:
            folders.ensure_folder(root_fd, name, groups.ensure_group(name, groups.site_root(self.root)).gr_gid)
        finally:
            os.close(root_fd)
        return self.root / name

    def service_token(self) -> str:
        return (self.hub.data_dir / "projects-api-token").read_text().strip()


@contextlib.contextmanager
def projects_site(workdir: Path, declared: dict | None = None):
    """declared: campushub.yaml's projects.declared for this site (made by the hub at its start)."""
    # not under /tmp: every local server has its own empty tmpfs there, and the config refuses it
    root = Path(f"/srv/chp-test-page-{os.getpid()}-{workdir.name}")
    try:
        with _site(workdir, root, declared or {}) as site:
            try:
                yield site
            finally:
                for name in site.unix_groups:
                    purge(name, root)
    finally:
        if root.exists():
            remove_tree(root)  # not shutil.rmtree: a test may leave a folder nested past its recursion limit


@contextlib.contextmanager
def _site(workdir: Path, root: Path, declared: dict):
    hub = Hub.create(workdir, {"projects": {"enabled": True, "root": str(root), "declared": declared}}, servers=False)
    with running(hub):
        add_people(hub, dict.fromkeys(PEOPLE))
        site = Site(hub, root, {name: hub.user_token(name) for name in (*PEOPLE, "admin")})
        for name, spec in PROJECTS.items():
            r = site.call("admin", "POST", "api/projects", json={"name": name, **spec})
            assert r.status_code == 201, r.text
        wait_for(lambda: "p-one" in site.mine("ben"), 30, "ben to see p-one")
        yield site
