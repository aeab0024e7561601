"""A site whose jobs run on this machine: real accounts, the real user environment (papermill),
real cgroups and the real supervisor; no hub and no jobs service (they are not needed for a job
to run, which is the point of several tests here)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from campushub.config import validate
from campushub.deploy.local.environments import ensure_environments
from campushub.deploy.local.jobs import LocalBackend
from campushub.deploy.local.spawner.unix_users import ensure_user
from campushub.hub.policy.types import Choice
from campushub.jobs import backend as api
from campushub.jobs import model

from ....harness import TEST_PREFIX, wait_for

PREFIX = TEST_PREFIX + "j"
# traversable by the accounts, unlike pytest's tmp dirs, and not under /tmp, which a job sees as its own tmpfs
HOMES = Path(f"/opt/campushub-test/jobs-homes-{os.getpid()}")


@pytest.fixture(scope="package")
def site(tmp_path_factory) -> dict:
    HOMES.mkdir(mode=0o711, parents=True, exist_ok=True)
    data = tmp_path_factory.mktemp("jobs-site")
    os.chmod(data, 0o700)
    config = validate({"data_dir": str(data), "spawner": {"user_prefix": PREFIX, "home_root": str(HOMES)}})
    ensure_environments(config)
    yield config
    shutil.rmtree(HOMES, ignore_errors=True)


@pytest.fixture
def people():
    """make(name) -> the account of hub user `name` (as the spawner makes it), removed afterwards."""
    made = []

    def make(name: str):
        entry = ensure_user(PREFIX + name, str(HOMES), owner=name)
        made.append(entry.pw_name)
        return entry

    yield make
    for account in made:
        subprocess.run(["pkill", "-KILL", "-u", account], capture_output=True)
        subprocess.run(["userdel", "--remove", account], capture_output=True)


@pytest.fixture
def backend(site) -> LocalBackend:
    return LocalBackend(site)


def resources(memory: int = 512 * 2**20, cpu: float = 1.0) -> Choice:
    return Choice(cpu_limit=cpu, cpu_guarantee=cpu, mem_limit=memory, mem_guarantee=memory, gpus=0,
                  environment="python", tag="stable")


def notebook(account, relative: str, *cells: str, parameters: str | None = None) -> str:
    """A notebook in the account's home, owned by it: a parameters cell first when given."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    path = Path(account.pw_dir) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    for p in (path, *[q for q in path.parents if str(q).startswith(account.pw_dir + "/")]):
        os.chown(p, account.pw_uid, account.pw_gid)
    return relative


def job(owner: str, relative: str, **parameters) -> model.Job:
    return model.Job(id=model.new_id(), owner=owner, notebook=relative, parameters=parameters)


def finished(backend: LocalBackend, job: model.Job, timeout: float = 180) -> model.Outcome:
    return wait_for(lambda: backend.poll(job), timeout, f"job {job.id} to end")


def person(name: str, *groups: str) -> api.Person:
    return api.Person(name=name, groups=tuple(groups))


def result_file(account, job: model.Job) -> dict:
    return json.loads((Path(account.pw_dir) / "jobs" / job.id / "result.json").read_text())
