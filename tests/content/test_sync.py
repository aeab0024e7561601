"""Course content synced into learners' homes on a real hub: from a repository
served by `git daemon` and one reached over file://, at server start and on
demand (nbgitpuller's /git-pull), keeping the learner's own edits; an
unreachable repository never stops the server and leaves a notice."""

from __future__ import annotations

import contextlib
import html
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from campushub.content.sync import NOTICE_FILE, STATUS_FILE, git_checked_paths, sync_link, trust_local_repos
from campushub.deploy.local.spawner.unix_users import unix_name

from ..harness import TEST_PREFIX, Hub, free_port, wait_for
from .course_factory import git, make_repo, notebook

PREFIX = TEST_PREFIX + "s"
SHARED = Path("/opt/campushub-test/courses")  # readable by the learners' accounts


def _group_alive(pgid: int) -> list[int]:
    """Pids still in process group `pgid` (zombies count as gone)."""
    alive = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            alive.append(int(entry.name))
    return alive


@contextlib.contextmanager
def git_daemon(base: Path):
    """`git daemon` serving `base`, stopped with everything it started.

    `git daemon` runs /usr/lib/git-core/git-daemon as a child, so killing the
    `git` pid alone left the daemon listening after the tests: it gets a
    session of its own and the whole group is stopped."""
    port = free_port()
    daemon = subprocess.Popen(["git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", f"--port={port}",
                               f"--base-path={base}", str(base)], start_new_session=True)

    def listening():
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0
    try:
        wait_for(listening, 30, "git daemon")
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(30)
        wait_for(lambda: not _group_alive(daemon.pid), 30, "git daemon's processes to end")
        wait_for(lambda: not listening(), 30, "git daemon's port to close")


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
    # The most common way an instructor keeps a course: a plain repository.
    plain = make_repo(root / "plain" / "algebra", {"01-groups": ["print('plain')"]})
    subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
    try:
        with git_daemon(root / "srv") as port:
            yield {"root": root, "work": work, "daemon_url": f"git://127.0.0.1:{port}/ml101.git",
                   "file_url": f"file://{root / 'srv' / 'stats.git'}", "plain_url": f"file://{plain}"}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_the_git_daemon_is_stopped_with_its_children(tmp_path):
    with git_daemon(tmp_path) as port:
        started = [pid for pid in _group_alive(_daemon_group(port)) if pid]
        assert len(started) >= 2  # `git` and the git-daemon it runs
    assert not any(_group_alive(pid) for pid in started)


def _daemon_group(port: int) -> int:
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline[:2] == [b"git", b"daemon"] and f"--port={port}".encode() in cmdline:
            return os.getpgid(int(entry.name))
    raise AssertionError("no git daemon found")


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
            "algebra": {"learners_group": "ml101", "tutors_group": "ml101-tutors", "repo": repos["plain_url"]},
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
    assert (stats / "lessons" / "01-intro.ipynb").is_file()        # over file://, bare
    assert (home("lee") / "algebra" / "lessons" / "01-groups.ipynb").is_file()  # file://, plain repository
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
        # the same, for the analytics extension, written as the learner
        status = json.loads((home("gus") / STATUS_FILE).read_text())
        assert status["courses"].pop("gone") == "failed" and set(status["courses"].values()) == {"ok"}, status
        assert (home("gus") / STATUS_FILE).stat().st_uid == pwd.getpwnam(unix_name("gus", PREFIX)).pw_uid
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
        assert len(links) == 3 and all(link.startswith("../git-pull?repo=") for link in links)
        assert any("targetpath=courses%2Fml101" in link for link in links)
        # the button leads to nbgitpuller's page for that course
        target = requests.get(f"{hub.url}/user/lee/course-sync/{html.unescape(links[0])}", headers=auth, timeout=60)
        assert target.status_code == 200 and "/user/lee/git-pull" in target.url
    finally:
        stop(hub, "lee")


@pytest.mark.parametrize("bare", [False, True])
def test_a_root_owned_file_repository_clones_as_another_account(bare):
    """Unit level, no hub: git run as `nobody` with the config trust_local_repos
    writes clones a root-owned repository of either kind."""
    SHARED.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=SHARED))
    try:
        os.chmod(root, 0o755)
        repo = make_repo(root / "course", {"01-intro": ["print(1)"]})
        if bare:
            subprocess.run(["git", "clone", "--quiet", "--bare", str(repo), str(root / "course.git")], check=True)
            repo = root / "course.git"
        out = root / "out"
        out.mkdir(mode=0o777)
        subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
        os.chmod(out, 0o777)
        url = f"file://{repo}"
        env = trust_local_repos(root / "courses.gitconfig", [("course", {"repo": url})])
        clone = subprocess.run(["runuser", "-u", "nobody", "--", "git", "clone", "--quiet", url, str(out / "c")],
                               env={"HOME": str(out), "PATH": os.environ["PATH"], **env},
                               capture_output=True, text=True, timeout=60)
        assert clone.returncode == 0, clone.stderr
        assert (out / "c" / "lessons" / "01-intro.ipynb").is_file()
        # and without the trust, git refuses: the test could fail
        refused = subprocess.run(["runuser", "-u", "nobody", "--", "git", "clone", "--quiet", url, str(out / "d")],
                                 env={"HOME": str(out), "PATH": os.environ["PATH"]},
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "dubious ownership" in refused.stderr
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_git_checked_paths_name_the_git_dir_of_a_plain_repository(tmp_path):
    plain = tmp_path / "plain"
    (plain / ".git").mkdir(parents=True)
    bare = tmp_path / "bare.git"
    bare.mkdir()
    link = tmp_path / "link"
    link.symlink_to(plain)
    assert git_checked_paths(f"{plain}/") == [str(plain), str(plain / ".git")]
    assert git_checked_paths(str(bare)) == [str(bare)]
    assert git_checked_paths(str(link)) == [str(link), str(link / ".git"), str(plain), str(plain / ".git")]
    assert git_checked_paths("/x\n[core]\n") == []


def test_trusted_paths_are_quoted_in_the_config(tmp_path):
    odd = tmp_path / 'a "b" #c'
    (odd / ".git").mkdir(parents=True)
    config = tmp_path / "trust.gitconfig"
    trust_local_repos(config, [("c", {"repo": "file://" + quote(str(odd))})])
    listed = subprocess.run(["git", "config", "--file", str(config), "--get-all", "safe.directory"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert listed == [str(odd), str(odd / ".git")]
