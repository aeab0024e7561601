"""Real accounts, project groups and folders for the fast tests, removed afterwards."""

from __future__ import annotations

import grp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from campushub.config.projects import DEFAULT_ROOT
from campushub.deploy.local.projects import groups
from campushub.deploy.local.spawner.fork_path import launch_ids
from campushub.deploy.local.spawner.unix_users import ensure_user

from ....harness import TEST_PREFIX

PYTHON = "/usr/bin/python3"  # every account may run it; the test venv's may not be


def project_name(tag: str) -> str:
    """A project name of this pytest process (so parallel runs never share a group)."""
    return f"t{os.getpid()}-{tag}"


@pytest.fixture
def accounts(tmp_path):
    """make(tag) -> a real account with a home under a folder every account can pass."""
    homes = Path(f"/tmp/chp-test-homes-{os.getpid()}")
    homes.mkdir(mode=0o711, exist_ok=True)
    made = []

    def make(tag: str):
        entry = ensure_user(f"{TEST_PREFIX}p{tag}", str(homes))
        made.append(entry.pw_name)
        return entry

    yield make
    for name in made:
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        subprocess.run(["userdel", "--remove", name], capture_output=True)
    shutil.rmtree(homes, ignore_errors=True)


def purge(project: str, root: str | Path = DEFAULT_ROOT) -> None:
    """Delete a test project's group on this root (and under its earlier names) and its tombstone (never
    done outside tests: gids are never freed)."""
    here = groups.site_root(root)
    for name in (groups.group_name(project, here), *groups.earlier_names(project, here)):
        try:
            entry = grp.getgrnam(name)
        except KeyError:
            continue
        subprocess.run(["groupdel", name], capture_output=True)
        purge_gid(entry.gr_gid)


def purge_gid(gid: int) -> None:
    subprocess.run(["groupdel", groups.RETIRED + str(gid)], capture_output=True)


def group(project: str, root: str | Path) -> grp.struct_group:
    """The project's unix group on this root, as a member's start makes it."""
    return groups.ensure_group(project, groups.site_root(root))


@pytest.fixture
def projects(root):
    """make(tag) -> a project name whose unix group on `root` is removed afterwards."""
    made = []

    def make(tag: str) -> str:
        made.append(project_name(tag))
        return made[-1]

    yield make
    for name in made:
        purge(name, root)


@pytest.fixture
def tombstones():
    """gids of groups a test retired, deleted afterwards."""
    gids: list[int] = []
    yield gids
    for gid in gids:
        purge_gid(gid)


@pytest.fixture(autouse=True)
def roots_records(tmp_path, monkeypatch) -> Path:
    """The machine-wide record of claimed roots, one of the test's own (the machine's stays as it was)."""
    from campushub.deploy.local.projects import roots

    path = tmp_path / "var-lib-campushub" / "project-roots"
    monkeypatch.setattr(roots, "RECORDS", path)
    return path


@pytest.fixture
def root() -> Path:
    """A projects root under /srv: pytest's tmp_path is under root's 0700 folder (no member could
    pass it), and every server sees /tmp as a tmpfs of its own."""
    path = Path(f"/srv/chp-test-projects-{os.getpid()}")
    yield path
    subprocess.run(["rm", "-rf", "--", str(path)])  # shutil.rmtree recurses: deep test folders


def as_account(entry, code: str, *args: str, gids=()) -> subprocess.CompletedProcess:
    """Python `code` run by `entry`'s account with its groups and these project gids (as a server
    would start: fork_path.launch_ids) and umask 077."""
    return subprocess.run(
        [PYTHON, "-I", "-c", code, *args], user=entry.pw_uid, group=entry.pw_gid,
        extra_groups=launch_ids(entry, gids)[2], umask=0o077,
        capture_output=True, text=True, cwd="/", env={"PATH": "/usr/bin:/bin"},
    )

