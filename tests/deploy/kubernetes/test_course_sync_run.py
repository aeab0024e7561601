"""The course-sync init container's program, run for real as a container
runtime would run it: its command and environment from the pod
KubeSpawner builds, as uid 1000 / gid 100 (the user image's jovyan), in a
home owned by that user, with the shared user environment's python and
nbgitpuller standing in for the image's (both come from the same lock).
Git repositories are real ones on disk (file://). No cluster is needed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from kubernetes_asyncio.client import ApiClient
from kubernetes_asyncio.client import models as k8s

from campushub.content.sync import NOTICE_FILE, STATUS_FILE
from campushub.deploy.kubernetes.course_sync import add_course_sync
from campushub.deploy.local.userenv import ensure_user_env

from ...harness import ROOT

UID, GID = 1000, 100
LOCK = ROOT / "campushub" / "singleuser" / "environment.lock"
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs the program as uid 1000, as in the pod")


@pytest.fixture
def base():
    """A folder uid 1000 may use (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="campushub-course-sync-"))
    os.chown(path, UID, GID)
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


@pytest.fixture(scope="module")
def env_bin() -> Path:
    return ensure_user_env("/usr/bin/python3", Path("/opt/campushub/envs"), LOCK) / "bin"


def as_user(cmd: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, user=UID, group=GID, extra_groups=[], capture_output=True,
                          text=True, timeout=300)


def git(repo: Path, *args: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(repo.parent), "GIT_AUTHOR_NAME": "Tutor",
           "GIT_AUTHOR_EMAIL": "tutor@example.org", "GIT_COMMITTER_NAME": "Tutor",
           "GIT_COMMITTER_EMAIL": "tutor@example.org"}
    done = as_user(["git", *args], repo, env)
    assert done.returncode == 0, done.stderr


def upstream(base: Path, name: str, files: dict[str, str]) -> str:
    repo = base / "upstream" / name
    if not repo.exists():
        repo.mkdir(parents=True)
        for p in (repo.parent, repo):
            os.chown(p, UID, GID)
        git(repo, "init", "-q", "-b", "main")
    for rel, text in files.items():
        as_user(["sh", "-c", 'printf %s "$1" > "$2"', "-", text, rel], repo, {"PATH": "/usr/bin:/bin"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "course update")
    return f"file://{repo}"


def init_container(courses: dict[str, str], lang: str = "ja", start_timeout: int = 300) -> dict:
    """Our init container in a pod whose server runs as jovyan, as the API server would receive it."""
    server = k8s.V1Container(name="notebook", image="user-image", security_context=k8s.V1SecurityContext(
        run_as_user=UID), resources=k8s.V1ResourceRequirements(limits={"cpu": 1, "memory": 2**30}))
    pod = k8s.V1Pod(spec=k8s.V1PodSpec(containers=[server]))
    found = [(name, {"repo": repo, "branch": "main", "target": None}) for name, repo in courses.items()]
    async def serialized():
        async with ApiClient() as api:
            return api.sanitize_for_serialization(add_course_sync(pod, found, lang, start_timeout))
    return asyncio.run(serialized())["spec"]["initContainers"][0]


def run(container: dict, home: Path, path: str) -> subprocess.CompletedProcess:
    """As the runtime does: the command, the container's env over the image's, in the image's workdir."""
    env = {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", **{e["name"]: e["value"] for e in container["env"]}}
    return as_user([*container["command"], *container.get("args", [])], home, env)


@pytest.fixture
def home(base: Path) -> Path:
    path = base / "jovyan"
    path.mkdir()
    os.chown(path, UID, GID)
    return path


def test_courses_arrive_learners_edits_stay_and_a_failure_leaves_a_notice(base, home, env_bin):
    py101 = upstream(base, "py101", {"lesson.md": "# Lesson 1\n"})
    missing = f"file://{base}/upstream/stats"
    container = init_container({"py101": py101, "stats": missing})
    path = f"{env_bin}:/usr/bin:/bin"

    first = run(container, home, path)
    assert first.returncode == 0, first.stderr
    assert (home / "py101" / "lesson.md").read_text() == "# Lesson 1\n"
    notice = (home / NOTICE_FILE).read_text(encoding="utf-8")
    assert "stats" in notice and "理由" in notice and "{reason}" not in notice and "py101" not in notice
    assert (home / NOTICE_FILE).stat().st_uid == UID
    # what the analytics extension reads: how each course went
    status = json.loads((home / STATUS_FILE).read_text(encoding="utf-8"))
    assert status["courses"] == {"py101": "ok", "stats": "failed"} and status["time"].endswith("Z")
    assert (home / STATUS_FILE).stat().st_uid == UID

    # The learner edits the lesson; the tutor changes it too and adds one; the missing course appears.
    (home / "py101" / "lesson.md").write_text("# Lesson 1\nmy notes\n")
    upstream(base, "py101", {"lesson.md": "# Lesson 1 (revised)\n", "lesson2.md": "# Lesson 2\n"})
    upstream(base, "stats", {"intro.md": "# Statistics\n"})
    second = run(container, home, path)
    assert second.returncode == 0, second.stderr
    assert (home / "py101" / "lesson.md").read_text() == "# Lesson 1\nmy notes\n"
    assert (home / "py101" / "lesson2.md").read_text() == "# Lesson 2\n"
    assert (home / "stats" / "intro.md").read_text() == "# Statistics\n"
    assert not (home / NOTICE_FILE).exists()
    assert json.loads((home / STATUS_FILE).read_text(encoding="utf-8"))["courses"] == {"py101": "ok", "stats": "ok"}


def test_an_image_without_nbgitpuller_or_python_still_starts_its_server(base, home):
    container = init_container({"py101": upstream(base, "py101", {"lesson.md": "x"})}, lang="ru")
    no_gitpuller = run(container, home, "/usr/bin:/bin")
    assert no_gitpuller.returncode == 0, no_gitpuller.stderr
    assert "gitpuller (nbgitpuller) is not installed in the image" in (home / NOTICE_FILE).read_text(encoding="utf-8")

    only_sh = base / "bin"
    only_sh.mkdir()
    (only_sh / "sh").symlink_to(shutil.which("sh"))
    no_python = run(container, home, str(only_sh))
    assert no_python.returncode == 0
    assert "course sync could not run" in no_python.stderr


def test_a_git_server_that_never_answers_cannot_hold_up_the_start(base, home, env_bin):
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        hangs = f"http://127.0.0.1:{silent.getsockname()[1]}/course.git"
        later = upstream(base, "later", {"x.md": "x"})
        # a hub that waits 2 s for a server leaves the sync 1 s
        done = run(init_container({"a-hangs": hangs, "b-later": later}, lang="en", start_timeout=2),
                   home, f"{env_bin}:/usr/bin:/bin")
    assert done.returncode == 0, done.stderr
    notice = (home / NOTICE_FILE).read_text()
    assert f"no answer from {hangs} within 1 s" in notice
    assert "The course b-later could not be updated" in notice and "no time was left to sync it" in notice
    assert not (home / "b-later").exists()
