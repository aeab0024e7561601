"""Course content synced into learners' homes on a real hub: from a repository
served by `git daemon` and one reached over file://, at server start and on
demand (nbgitpuller's /git-pull), keeping the learner's own edits; an
unreachable repository never stops the server and leaves a notice."""

from __future__ import annotations

import html
import json
import re
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests

from campushub.content.sync import NOTICE_FILE, sync_link
from campushub.hub.spawners.unix_users import unix_name

from ..harness import TEST_PREFIX, Hub, free_port, wait_for
from .course_factory import git, make_repo, notebook

PREFIX = TEST_PREFIX + "s"
SHARED = Path("/opt/campushub-test/courses")  # readable by the learners' accounts


@pytest.fixture(scope="module")
def repos():
    SHARED.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=SHARED))
    os.chmod(root, 0o755)
    work = {}
    for name in ("ml101", "stats"):
        work[name] = make_repo(root / "work" / name, {"01-intro": ["print('v1')"], "02-data": ["x = 1"]})
        subprocess.run(["git", "clone", "--quiet", "--bare", str(work[name]), str(root / "srv" / f"{name}.git")],
                       check=True)
    subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
    port = free_port()
    daemon = subprocess.Popen(["git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", f"--port={port}",
                               f"--base-path={root / 'srv'}", str(root / "srv")])

    def listening():
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0
    wait_for(listening, 30, "git daemon")
    try:
        yield {"root": root, "work": work, "daemon_url": f"git://127.0.0.1:{port}/ml101.git",
               "file_url": f"file://{root / 'srv' / 'stats.git'}"}
    finally:
        daemon.kill()
        daemon.wait()
        shutil.rmtree(root, ignore_errors=True)


def push(repos, name: str, message: str, files: dict[str, str]) -> None:
    work = repos["work"][name]
    for rel, text in files.items():
        (work / rel).write_text(text)
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", message)
    git(work, "push", "--quiet", str(repos["root"] / "srv" / f"{name}.git"), "main")


@pytest.fixture(scope="module")
def hub(tmp_path_factory, repos):
    h = Hub.create(tmp_path_factory.mktemp("sync"), {
        "spawner": {"user_prefix": PREFIX},
        "courses": {
            "ml101": {"learners_group": "ml101", "tutors_group": "ml101-tutors", "repo": repos["daemon_url"],
                      "target": "courses/ml101"},
            "stats": {"learners_group": "ml101", "tutors_group": "ml101-tutors", "repo": repos["file_url"]},
            "gone": {"learners_group": "gone", "tutors_group": "gone-tutors",
                     "repo": f"git://127.0.0.1:{free_port()}/nothing.git"},
        },
    })
    h.cleanup_accounts(PREFIX)
    try:
        h.up()
        for name in ("lee", "gus"):
            assert h.api("POST", f"users/{name}").status_code == 201
        assert h.api("POST", "groups/ml101", json={"users": ["lee", "gus"]}).status_code == 201
        assert h.api("POST", "groups/gone", json={"users": ["gus"]}).status_code == 201
        yield h
    finally:
        if h.proc and h.proc.poll() is None:
            h.down("--stop-servers")
        h.cleanup_accounts(PREFIX)


def home(user: str) -> Path:
    return Path(pwd.getpwnam(unix_name(user, PREFIX)).pw_dir)


def start(hub: Hub, user: str) -> None:
    r = hub.api("POST", f"users/{user}/server")
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready(user), 180, f"{user}'s server")


def stop(hub: Hub, user: str) -> None:
    hub.api("DELETE", f"users/{user}/server")
    wait_for(lambda: "" not in hub.api("GET", f"users/{user}").json()["servers"], 60, f"{user} to stop")


def sync_now(hub: Hub, user: str, course: str, spec: dict) -> list[dict]:
    """What the course's sync link does, through nbgitpuller's event stream."""
    r = requests.get(f"{hub.url}/user/{user}/git-pull/api", timeout=120, stream=True,
                     params={"repo": spec["repo"], "branch": "main", "targetpath": spec["target"]},
                     headers={"Authorization": f"token {hub.user_token(user)}"})
    assert r.status_code == 200, r.text
    events = [json.loads(line[5:]) for line in r.iter_lines(decode_unicode=True) if line.startswith("data:")]
    return events


def test_courses_arrive_at_start_and_learners_edits_survive_updates(hub, repos):
    start(hub, "lee")
    ml101, stats = home("lee") / "courses" / "ml101", home("lee") / "stats"
    assert (ml101 / "lessons" / "01-intro.ipynb").is_file()        # over git daemon
    assert (stats / "lessons" / "01-intro.ipynb").is_file()        # over file://
    assert not (home("lee") / NOTICE_FILE).exists()
    owner = pwd.getpwnam(unix_name("lee", PREFIX)).pw_uid
    assert (ml101 / "lessons" / "01-intro.ipynb").stat().st_uid == owner

    # The learner edits a lesson; upstream changes another one and adds a third.
    mine = ml101 / "lessons" / "01-intro.ipynb"
    edited = notebook(["print('my own answer')"])
    subprocess.run(["runuser", "-u", unix_name("lee", PREFIX), "--", "tee", str(mine)], input=edited,
                   text=True, check=True, capture_output=True)
    push(repos, "ml101", "update", {"lessons/02-data.ipynb": notebook(["x = 2"]),
                                    "lessons/03-new.ipynb": notebook(["print('new')"])})

    # The running learner gets it at the next sync, with no hub restart.
    spec = {"repo": repos["daemon_url"], "target": "courses/ml101"}
    events = sync_now(hub, "lee", "ml101", spec)
    assert events and events[-1].get("phase") == "finished", events
    assert (ml101 / "lessons" / "03-new.ipynb").is_file()
    assert "x = 2" in (ml101 / "lessons" / "02-data.ipynb").read_text()
    assert json.loads(mine.read_text())["cells"][0]["source"] == "print('my own answer')"

    # Upstream now changes the very file the learner edited: theirs is kept.
    push(repos, "ml101", "fix intro", {"lessons/01-intro.ipynb": notebook(["print('v2')"])})
    stop(hub, "lee")
    start(hub, "lee")  # the sync at start does the same merge
    assert json.loads(mine.read_text())["cells"][0]["source"] == "print('my own answer')"
    stop(hub, "lee")


def test_an_unreachable_repository_never_blocks_the_server(hub):
    start(hub, "gus")  # in `gone`, whose repository nobody serves
    try:
        notice = (home("gus") / NOTICE_FILE).read_text()
        assert "gone" in notice and "Your own changes are untouched" in notice
        assert (home("gus") / "courses" / "ml101" / "lessons").is_dir()  # the others still came
        log = (hub.data_dir / "logs" / "hub.log").read_text()
        assert "Course gone was not synced" in log
    finally:
        stop(hub, "gus")


def test_sync_link_points_at_nbgitpuller():
    link = sync_link("https://hub.example.org/", "ml101",
                     {"repo": "https://git.example.org/ml101.git", "branch": "main", "target": "courses/ml101"})
    assert link.startswith("https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgit.example.org")
    assert "targetpath=courses%2Fml101" in link and "urlpath=lab%2Ftree%2Fcourses%2Fml101" in link


def test_the_launcher_offers_an_update_button_per_course(hub, repos):
    start(hub, "lee")
    try:
        auth = {"Authorization": f"token {hub.user_token('lee')}"}
        info = requests.get(f"{hub.url}/user/lee/server-proxy/servers-info", headers=auth, timeout=30).json()
        card = next(e for e in info["server_processes"] if e["name"] == "course-sync")
        assert card["launcher_entry"]["title"] == "Update course materials"
        page = requests.get(f"{hub.url}/user/lee/course-sync/", headers=auth, timeout=60)
        assert page.status_code == 200 and "Update course materials" in page.text
        links = re.findall(r'href="([^"]+)"', page.text)
        assert len(links) == 2 and all(link.startswith("../git-pull?repo=") for link in links)
        assert any("targetpath=courses%2Fml101" in link for link in links)
        # the button leads to nbgitpuller's page for that course
        target = requests.get(f"{hub.url}/user/lee/course-sync/{html.unescape(links[0])}", headers=auth, timeout=60)
        assert target.status_code == 200 and "/user/lee/git-pull" in target.url
    finally:
        stop(hub, "lee")
