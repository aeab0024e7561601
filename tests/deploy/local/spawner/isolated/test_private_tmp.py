"""Each local server has its own /tmp and /dev/shm: tmpfs capped at its
memory limit and charged to it, invisible to other accounts and to the
host, and gone with the server. The probe that kept 509 MiB in the host's
/dev/shm across OOM kills and restarts now leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import uuid
from pathlib import Path

import websocket

from campushub.deploy.local.spawner import cgroups

from .....harness import execute, run_code, wait_for
from .conftest import MIB, account, parent, server_pid, server_pids, start, stop

WRITE = """
import os
def fill(path, mib):
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(2**20))
"""

SIZES = "import json, os\nprint(json.dumps({p: [os.statvfs(p).f_blocks * os.statvfs(p).f_frsize, " \
        "(os.statvfs(p).f_blocks - os.statvfs(p).f_bfree) * os.statvfs(p).f_frsize, sorted(os.listdir(p))] " \
        "for p in ('/tmp', '/dev/shm')}))"


def mountpoints(pid: int | str) -> list[tuple[str, str]]:
    """(mount point, filesystem type) of each mount the process sees."""
    out = []
    for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines():
        fields = line.split()
        out.append((fields[4], fields[fields.index("-") + 1]))
    return out


def memory(user: str) -> int:
    return cgroups.detect().usage(account(user))["memory"]


def on_host(marker: str) -> list[str]:
    return [str(p) for d in ("/tmp", "/dev/shm", "/var/tmp") for p in Path(d).glob(f"{marker}*")]


def test_tmp_and_shm_are_private_capped_counted_and_gone_with_the_server(hub):
    marker = f"campushub-probe-{uuid.uuid4().hex[:8]}"
    token = start(hub, "tam", {"memory": "256M"})
    other = start(hub, "oli")
    try:
        kernel = run_code(hub, "tam", token, WRITE)["kernel_id"]
        sizes = json.loads(execute(hub, "tam", token, kernel, SIZES)["stream"])
        for path in ("/tmp", "/dev/shm"):
            total, used, names = sizes[path]
            assert total == 256 * MIB, sizes  # capped at the server's memory limit
            assert used < MIB, sizes  # fresh: nothing of the host's or of earlier servers
        ours = ("jupyter-runtime", "kernel-pipe-")  # the kernels' sockets (test_kernel_ipc.py)
        assert [n for n in sizes["/tmp"][2] if not n.startswith(ours)] == [] and sizes["/dev/shm"][2] == [], sizes
        # the hub's own /tmp is untouched: it sees the host's mounts, the server its own tmpfs
        spawning_hub = parent(server_pid("tam"))  # the JupyterHub process that forked the server
        assert mountpoints(spawning_hub) == mountpoints("self") == mountpoints(hub.proc.pid)
        mine = mountpoints(server_pid("tam"))
        assert ("/tmp", "tmpfs") in mine and ("/dev/shm", "tmpfs") in mine
        # and System V shared memory of its own (same escape as /dev/shm)
        assert os.readlink(f"/proc/{server_pid('tam')}/ns/ipc") != os.readlink(f"/proc/{spawning_hub}/ns/ipc")

        before = memory("tam")
        out = execute(hub, "tam", token, kernel,
                      f"fill('/dev/shm/{marker}-a', 64); fill('/var/tmp/{marker}-v', 1); print('written')")
        assert "written" in out["stream"], out
        # written in memory that the server's own limit counts
        assert memory("tam") - before >= 60 * MIB, (before, memory("tam"))
        assert on_host(marker) == []
        # another learner sees nothing, not even through the server's /proc root
        look = (f"import os\nprint(os.path.exists('/dev/shm/{marker}-a'))\n"
                f"try:\n    os.listdir('/proc/{server_pid('tam')}/root/dev/shm'); print('listed')\n"
                "except OSError as e:\n    print(type(e).__name__)")
        # FileNotFoundError: other accounts' processes are hidden from servers (hidepid, Linux >= 5.8)
        assert run_code(hub, "oli", other, look)["stream"].split() in (
            ["False", "PermissionError"], ["False", "FileNotFoundError"])

        # the probe: fill /dev/shm and /tmp until the limit stops it
        fill = (f"try:\n    fill('/dev/shm/{marker}-b', 512)\nexcept OSError as e:\n    print('shm', e.errno)\n"
                f"try:\n    fill('/tmp/{marker}-c', 512)\nexcept OSError as e:\n    print('tmp', e.errno)\n")
        try:
            out = execute(hub, "tam", token, kernel, fill, timeout=180)
        except websocket.WebSocketException:
            out = {"status": "server killed"}  # the OOM killer chose the server itself
        # ENOSPC from the capped tmpfs, or the memory limit's OOM killer
        assert out["status"] in ("dead", "restarting", "autorestarting", "server killed") \
            or "shm 28" in out["stream"], out
        assert on_host(marker) == []
    finally:
        stop(hub, "tam")
    # nothing of the server is left running to keep its tmpfs alive
    assert server_pids("tam") == []
    assert on_host(marker) == []
    # a new server starts empty, with its whole limit to use
    token = start(hub, "tam", {"memory": "256M"})
    try:
        out = run_code(hub, "tam", token, WRITE + SIZES)
        sizes = json.loads(out["stream"])
        assert sizes["/dev/shm"][1] < MIB and sizes["/dev/shm"][2] == [], sizes
        assert not any(marker in n for n in sizes["/tmp"][2]), sizes
        # the write succeeds; near the limit the kernel's memory warning may come first (64 MiB of 256)
        written = execute(hub, "tam", token, out["kernel_id"], f"fill('/dev/shm/{marker}-d', 64); print('ok')")
        assert written["stream"].strip().splitlines()[-1] == "ok", written
    finally:
        stop(hub, "tam")
        stop(hub, "oli")


def test_a_server_that_dies_leaves_no_kernel_holding_its_tmp(hub):
    # JupyterHub calls no stop() for a server that died on its own (as when
    # the OOM killer picks it): its kernels must not live on with its tmpfs.
    token = start(hub, "kit", {"memory": "256M"})
    out = run_code(hub, "kit", token, WRITE + "fill('/dev/shm/held', 16)\nimport os\nprint(os.getpid())")
    kernel = int(out["stream"])
    assert kernel in server_pids("kit")
    os.kill(server_pid("kit"), signal.SIGKILL)
    wait_for(lambda: "" not in hub.api("GET", "users/kit").json()["servers"], 120, "the hub to notice")
    wait_for(lambda: server_pids("kit") == [], 30, "the orphaned kernel to be stopped")
    assert _gone(kernel)


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
