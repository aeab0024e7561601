"""The real site the analytics end-to-end tests share (tests/conftest.py
`analytics_site`): `campushub up` with the analytics service, two courses
whose notebooks come from git repositories (file://, readable by the
learners' accounts), and the people around them:

    ana   learner of an1 and of an2       tom   tutor of an1
    ben   learner of an1                   otto  tutor of an2
    admin the hub's administrator

Both learners' servers are started once (the courses sync into their homes);
cells are run over the real kernel websocket in a notebook session, with
metadata.cellId as JupyterLab sends it. Every run is remembered in
`Site.runs`, so each test derives the counts it expects from what was run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests

from ..conftest import make_user
from ..content.course_factory import make_repo
from ..harness import TEST_PREFIX, Browserless, Hub, add_people, execute, running, save_artifact, wait_for

PREFIX = "cha" + TEST_PREFIX[3:]  # its own accounts: other modules' hubs remove TEST_PREFIX's
SHARED = Path("/opt/campushub-test/courses")  # readable by the learners' accounts (as tests/content/test_sync.py)
SERVICE = "/services/analytics/"
# nbformat 4.5 notebooks: course_factory gives cell i the id "c{i}"
AN1 = {"01-basics": ["x = 6 * 7", "y = x + 1", "print(x)", "z = x * 2"],
       "02-errors": ["a = 1", "b = 2 / a", "print(a + b)"]}
AN2 = {"01-other": ["q = 1", "print(q)"]}
PEOPLE = {"ana": "an1-learners", "ben": "an1-learners", "tom": "an1-tutors", "otto": "an2-tutors"}
LEARNERS = ("ana", "ben")


def notebook_path(course: str, name: str) -> str:
    """A course notebook's path inside the course folder, as records and page URLs name it."""
    return f"lessons/{name}.ipynb"


def cell_ids(course: str, name: str) -> list[str]:
    return [f"c{i}" for i in range(len((AN1 if course == "an1" else AN2)[name]))]


@dataclass(frozen=True)
class Run:
    learner: str
    course: str
    notebook: str  # path inside the course folder
    cell: str
    status: str  # "ok" | "error"


@dataclass
class Site:
    hub: Hub
    repos: Path
    tokens: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    kernels: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return self.hub.url + SERVICE

    def get(self, who: str | None, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.tokens[who]}"} if who else {}
        return requests.get(self.prefix + path, headers=headers, timeout=60, allow_redirects=False, **kwargs)

    def kernel(self, learner: str, path: str) -> str:
        """The kernel of a notebook session at `path` (home-relative), as JupyterLab opens one."""
        if (learner, path) not in self.kernels:
            r = requests.post(f"{self.hub.url}/user/{learner}/api/sessions", timeout=60,
                              headers={"Authorization": f"token {self.tokens[learner]}"},
                              json={"path": path, "name": path.rsplit("/", 1)[-1], "type": "notebook",
                                    "kernel": {"name": "python3"}})
            assert r.status_code == 201, r.text
            self.kernels[learner, path] = r.json()["kernel"]["id"]
        return self.kernels[learner, path]

    def run(self, learner: str, course: str, name: str, index: int, code: str | None = None) -> Run:
        """Run cell `index` of a course notebook (its own source unless `code`: an edited cell) in `learner`'s
        server; the run is remembered with the status the kernel gave."""
        notebook = notebook_path(course, name)
        kernel = self.kernel(learner, f"{course}/{notebook}")
        source = code if code is not None else (AN1 if course == "an1" else AN2)[name][index]
        cell = f"c{index}"
        out = execute(self.hub, learner, self.tokens[learner], kernel, source,
                      metadata={"deletedCells": [], "recordTiming": False, "cellId": cell})
        assert out["status"] is None, out
        done = Run(learner, course, notebook, cell, "error" if out["error"] else "ok")
        self.runs.append(done)
        return done


def _repos() -> Path:
    SHARED.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=SHARED))
    os.chmod(root, 0o755)
    make_repo(root / "an1", AN1)
    make_repo(root / "an2", AN2)
    subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
    return root


def _start_servers(hub: Hub) -> None:
    for name in LEARNERS:
        r = hub.api("POST", f"users/{name}/server")
        assert r.status_code in (201, 202), r.text
    for name in LEARNERS:
        wait_for(lambda name=name: hub.server_ready(name), 180, f"{name}'s server to be ready")


@contextlib.contextmanager
def site(workdir: Path):
    repos = _repos()
    try:
        hub = Hub.create(workdir, {
            "spawner": {"user_prefix": PREFIX},
            "courses": {
                "an1": {"title": "Analytics course", "learners_group": "an1-learners", "tutors_group": "an1-tutors",
                        "repo": f"file://{repos / 'an1'}"},
                "an2": {"title": "Other course", "learners_group": "an2-learners", "tutors_group": "an2-tutors",
                        "repo": f"file://{repos / 'an2'}"},
            },
            "assignments": {"enabled": False},  # not under test here: one service fewer to start
            "analytics": {"enabled": True, "flush_interval": 1, "poll_interval": 10},
        })
        with running(hub, PREFIX):
            admin = Browserless(hub, "admin", hub.admin_password)
            assert admin.login().status_code == 302
            # ana signs up with a password: the browser test signs in as her in JupyterLab
            ana = make_user(hub, admin, "ana")
            add_people(hub, {**PEOPLE, "admin": None})
            add_people(hub, {"ana": "an2-learners"})
            found = Site(hub, repos, passwords={"ana": ana.password, "admin": hub.admin_password})
            found.tokens = {name: hub.user_token(name) for name in [*PEOPLE, "admin"]}
            _start_servers(hub)
            try:
                yield found
            finally:  # for a failure's diagnosis: pytest keeps only its last few temporary folders
                logs = hub.data_dir / "logs"
                for log in [logs / "analytics.log", *sorted((logs / "users").glob("*.log"))]:
                    if log.exists():
                        save_artifact(f"analytics-e2e-{log.name}", log.read_bytes())
            for name in LEARNERS:
                hub.api("DELETE", f"users/{name}/server")
    finally:
        shutil.rmtree(repos, ignore_errors=True)


def page_rows(html: str) -> list[list[str]]:
    """Every table row of a page as its cells' text (links and markup dropped)."""
    import re
    from html import unescape

    rows = []
    for tr in re.findall(r"<tr\b.*?</tr>", html, re.S):
        cells = re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", tr, re.S)
        rows.append([" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


def notebook_url(course: str, notebook: str) -> str:
    return f"courses/{course}/notebooks/{quote(notebook, safe='/')}"
