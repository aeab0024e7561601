"""Group policies on a real hub: every refused request over HTTP gets a 400
that says what is allowed and starts nothing; accepted values end up in the
server's cgroup files; GPUs are handed out exclusively and given back; named
servers follow max_servers. (This machine has no GPU: nvidia-smi is a script
printing one UUID, as the real one would; everything else is real.)"""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest
import requests

from campushub.deploy.local.spawner import cgroups
from campushub.deploy.local.spawner.unix_users import unix_name

from ....harness import TEST_PREFIX, Hub, server_environ, wait_for
from .paths import running_on, with_path

PREFIX = TEST_PREFIX + "p"
GPU = "GPU-5e1f0000-0000-0000-0000-0000000000aa"
MIB = 2**20


@pytest.fixture(scope="module")
def hub(tmp_path_factory, spawn_path):
    work = tmp_path_factory.mktemp(f"policy-{spawn_path}")
    smi = work / "nvidia-smi"
    smi.write_text(f"#!/bin/sh\necho {GPU}\n")
    smi.chmod(0o755)
    h = Hub.create(work, with_path({
        "spawner": {"user_prefix": PREFIX},
        "limits": {"nvidia_smi": str(smi)},
        "policies": {
            "default": {"cpu": {"min": 0.5, "max": 1, "default": 0.5},
                        "memory": {"min": "256M", "max": "1G", "default": "512M"}},
            "groups": {"analysts": {"cpu": {"max": 1.5}, "memory": {"max": "1536M"},
                                    "gpus": {"max": 1}, "max_servers": 2},
                       "locked": {"user_environments": False}},
        },
    }, spawn_path))
    with running_on(h, spawn_path, PREFIX):
        for name in ("pat", "ana", "abe", "lou"):
            assert h.api("POST", f"users/{name}").status_code == 201
        assert h.api("POST", "groups/analysts", json={"users": ["ana", "abe"]}).status_code == 201
        assert h.api("POST", "groups/locked", json={"users": ["lou"]}).status_code == 201
        yield h


def start(hub: Hub, user: str, options: dict, server: str = "", lang: str = "en") -> requests.Response:
    path = f"users/{user}/server" + (f"s/{server}" if server else "")
    return requests.post(f"{hub.url}/hub/api/{path}", json={"user_options": options}, timeout=60,
                         headers={"Authorization": f"token {hub.user_token(user)}", "Accept-Language": lang})


def stop(hub: Hub, user: str, server: str = "") -> None:
    path = f"users/{user}/server" + (f"s/{server}" if server else "")
    hub.api("DELETE", path)
    wait_for(lambda: server not in hub.api("GET", f"users/{user}").json()["servers"], 60, f"{user} to stop")


def cgroup_dirs(user: str, server: str = "") -> dict[str, Path]:
    name = unix_name(user, PREFIX) + (f"--{server}" if server else "")
    backend = cgroups.detect()
    if backend.version == 1:
        return {c: m / cgroups.PARENT / name for c, m in backend.mounts.items()}
    return {c: backend.root / cgroups.PARENT / name for c in ("cpu", "memory", "pids")}


def server_pid(user: str, server: str = "") -> int:
    procs = (cgroup_dirs(user, server)["pids"] / "cgroup.procs").read_text().split()
    assert procs, f"no process in {user}'s cgroup"
    return min(map(int, procs))  # the server itself started first


REFUSED = [
    ("pat", {"cpu": 8}, "between 0.5 and 1"),
    ("pat", {"cpu": -1}, "between 0.5 and 1"),
    ("pat", {"cpu": "lots"}, "between 0.5 and 1"),
    ("pat", {"cpu": 1e308}, "between 0.5 and 1"),
    ("pat", {"cpu": True}, "between 0.5 and 1"),
    ("pat", {"memory": "99999T"}, "GiB"),
    ("pat", {"memory": -5}, "GiB"),
    ("pat", {"gpus": 1}, "GPU"),
    ("ana", {"gpus": 3}, "GPU"),
    ("pat", {"environment": "secret-env"}, "python"),
    ("pat", {"image": "evil/image:latest"}, "image"),
]


@pytest.mark.one_path("refused by the hub's policy check before the spawner starts anything")
@pytest.mark.parametrize("user, options, says", REFUSED, ids=[str(o) for _, o, _ in REFUSED])
def test_refused_requests_get_400_and_start_nothing(hub, user, options, says):
    r = start(hub, user, options)
    assert r.status_code == 400, r.text
    assert says.lower() in r.json()["message"].lower(), r.json()
    assert hub.api("GET", f"users/{user}").json()["servers"] == {}
    assert not cgroup_dirs(user)["pids"].exists()


@pytest.mark.one_path("the refusal is the hub's, made before anything starts")
def test_refusal_is_translated(hub):
    r = start(hub, "pat", {"cpu": 8}, lang="ja")
    assert r.status_code == 400 and "コア" in r.json()["message"], r.json()


def test_chosen_values_are_in_the_servers_cgroup(hub):
    r = start(hub, "ana", {"cpu": 1.5, "memory": "1536M"})
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready("ana"), 180, "ana's server")
    try:
        dirs, pid = cgroup_dirs("ana"), server_pid("ana")
        assert f"{cgroups.PARENT}/{unix_name('ana', PREFIX)}" in Path(f"/proc/{pid}/cgroup").read_text()
        if cgroups.detect().version == 1:
            assert (dirs["cpu"] / "cpu.cfs_quota_us").read_text().strip() == "150000"
            assert (dirs["cpu"] / "cpu.shares").read_text().strip() == str(int(1024 * 0.5))  # 1.5 x 1/3
            assert int((dirs["memory"] / "memory.limit_in_bytes").read_text()) == 1536 * MIB
            assert int((dirs["memory"] / "memory.soft_limit_in_bytes").read_text()) == 1536 * MIB
        else:
            assert (dirs["cpu"] / "cpu.max").read_text().split() == ["150000", "100000"]
            assert int((dirs["memory"] / "memory.max").read_text()) == 1536 * MIB
            assert int((dirs["memory"] / "memory.low").read_text()) == 1536 * MIB
        assert server_environ(hub, "ana")["CUDA_VISIBLE_DEVICES"] == ""  # no GPU chosen: none visible
        # the accepted choice is what JupyterHub keeps, in canonical form
        options = hub.api("GET", "users/ana").json()["servers"][""]["user_options"]
        assert options["cpu"] == 1.5 and options["memory"] == 1536 * MIB and options["gpus"] == 0
    finally:
        stop(hub, "ana")


@pytest.mark.one_path("GPUs are handed out and given back by the hub (gpus.py, cleanup.py) whichever way the "
                     "server starts; that its environment reaches the server is checked on both paths above")
def test_a_gpu_is_held_by_one_server_at_a_time_and_given_back(hub):
    assert start(hub, "ana", {"gpus": 1}).status_code in (201, 202)
    wait_for(lambda: hub.server_ready("ana"), 180, "ana's GPU server")
    try:
        assert server_environ(hub, "ana")["CUDA_VISIBLE_DEVICES"] == GPU
        # allowed, but the only GPU is taken: the start fails, saying why
        r = start(hub, "abe", {"gpus": 1})
        assert r.status_code == 503 and "only 0 of this machine's 1 are free" in r.json()["message"], r.text
        assert not hub.server_ready("abe") and not cgroup_dirs("abe")["pids"].exists()
    finally:
        stop(hub, "ana")
    r = start(hub, "abe", {"gpus": 1})
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready("abe"), 180, "abe's GPU server after ana released it")
    assert server_environ(hub, "abe")["CUDA_VISIBLE_DEVICES"] == GPU
    stop(hub, "abe")


@pytest.mark.one_path("max_servers is the hub's policy; a named server starts by the same code as the "
                     "default one, whose start on both paths the other tests check")
def test_named_servers_follow_max_servers(hub):
    r = start(hub, "pat", {}, server="second")
    assert r.status_code == 400 and "only one server" in r.json()["message"], r.text
    assert "second" not in hub.api("GET", "users/pat").json()["servers"]
    r = start(hub, "ana", {"cpu": 0.5}, server="second")
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready("ana", "second"), 180, "ana's named server")
    stop(hub, "ana", "second")


@pytest.mark.one_path("the remembered choice is the hub's (user_options) and the cgroup limits are written "
                     "by the hub before either path starts the server")
def test_the_last_choice_is_remembered_but_never_a_refused_one(hub):
    assert start(hub, "pat", {"cpu": 1, "memory": "768M"}).status_code in (201, 202)
    wait_for(lambda: hub.server_ready("pat"), 180, "pat's server")
    stop(hub, "pat")
    assert start(hub, "pat", {"cpu": 99}).status_code == 400
    # a start without options uses the last accepted choice, not the refused one
    assert start(hub, "pat", None).status_code in (201, 202)
    wait_for(lambda: hub.server_ready("pat"), 180, "pat's server again")
    try:
        quota = (cgroup_dirs("pat")["cpu"] / ("cpu.cfs_quota_us" if cgroups.detect().version == 1
                                               else "cpu.max")).read_text().split()[0]
        assert quota == "100000"
        assert hub.api("GET", "users/pat").json()["servers"][""]["user_options"]["memory"] == 768 * MIB
    finally:
        stop(hub, "pat")


def add_own_kernel(user: str) -> None:
    """What `python -m ipykernel install --user --name mine` leaves in a home."""
    account = pwd.getpwnam(unix_name(user, PREFIX))
    spec = Path(account.pw_dir, ".local/share/jupyter/kernels/mine")
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [f"{account.pw_dir}/envs/mine/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Mine", "language": "python"}))
    for root, dirs, files in os.walk(Path(account.pw_dir, ".local")):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.chown(name, account.pw_uid, account.pw_gid)


def user_get(hub: Hub, user: str, path: str) -> requests.Response:
    return requests.get(f"{hub.url}/user/{user}/{path}", timeout=30,
                        headers={"Authorization": f"token {hub.user_token(user)}"})


# Both paths: the server reads the lock-down (JUPYTERHUB_DISABLE_USER_CONFIG) as it starts, and a
# forked one has imported Jupyter before it gets its environment.
@pytest.mark.parametrize("user, allowed", [("pat", True), ("lou", False)])
def test_own_environments_show_as_kernels_unless_locked_down(hub, user, allowed):
    assert start(hub, user, {}).status_code in (201, 202)
    wait_for(lambda: hub.server_ready(user), 180, f"{user}'s server")
    try:
        add_own_kernel(user)
        specs = user_get(hub, user, "api/kernelspecs").json()["kernelspecs"]
        assert ("mine" in specs) == allowed and "python3" in specs
        entries = user_get(hub, user, "server-proxy/servers-info").json()["server_processes"]
        assert any(e["name"] == "own-environments" for e in entries) == allowed
        if allowed:
            page = user_get(hub, user, "own-environments/")
            assert page.status_code == 200 and "python3 -m venv ~/envs/myproject" in page.text
    finally:
        stop(hub, user)
