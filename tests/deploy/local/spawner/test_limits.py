"""cgroup limits: read back from the kernel's own cgroup, and a memory hog stopped by its own limit."""

from campushub.deploy.local.spawner import cgroups

from ....conftest import spawn
from ....harness import run_code
from .paths import PREFIX


def _usage(name: str) -> dict:
    return cgroups.detect().usage(name)


def test_cpu_and_pids_limits_are_written(hub, alice):
    spawn(hub, alice)
    backend = cgroups.detect()
    name = PREFIX + "alice"
    if backend.version == 1:
        quota = int(open(f"{backend.mounts['cpu']}/campushub/{name}/cpu.cfs_quota_us").read())
        period = int(open(f"{backend.mounts['cpu']}/campushub/{name}/cpu.cfs_period_us").read())
        pids = open(f"{backend.mounts['pids']}/campushub/{name}/pids.max").read().strip()
    else:
        quota, period = map(int, open(f"{backend.root}/campushub/{name}/cpu.max").read().split())
        pids = open(f"{backend.root}/campushub/{name}/pids.max").read().strip()
    assert quota / period == 1.0
    assert pids == "512"


def test_memory_hog_is_stopped_by_its_own_limit(hub, alice, bob):
    spawn(hub, alice)
    spawn(hub, bob)
    ta, tb = hub.user_token("alice"), hub.user_token("bob")
    name = PREFIX + "alice"
    before = _usage(name)["oom_kills"]
    # A learner's typical runaway: a loop that keeps appending data (writing
    # the bytes makes them resident, unlike a lazily-zeroed allocation), at
    # about 400 MB/s, the pace of reading a large file into a list.
    hog = ("import time\nhog = []\nfor i in range(120):\n"
           "    hog.append(b'x' * (8 * 2**20))\n    time.sleep(0.02)\nprint('survived')")
    out = run_code(hub, "alice", ta, hog, timeout=120)
    assert "survived" not in out["stream"]
    assert out["status"] in ("restarting", "dead", "autorestarting"), out
    assert _usage(name)["oom_kills"] > before
    # the learner was told why, in the cell, before the limit stopped the kernel
    assert "memory limit" in out["stream"] and "512 MiB" in out["stream"], out
    # the hub and the other user carry on
    assert hub.api("GET", "users").status_code == 200
    assert run_code(hub, "bob", tb, "6*7")["result"] == "42"
    # and alice's server is still up for a new kernel
    assert hub.server_ready("alice")
    assert run_code(hub, "alice", ta, "1+1")["result"] == "2"
