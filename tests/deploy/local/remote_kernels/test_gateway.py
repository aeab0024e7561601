"""A real Enterprise Gateway with our kernelspecs and root launcher: a kernel
runs as the person (uid, gids, home, a clean environment) in a cgroup of its
own with the profile's limits, is interrupted, survives a gateway restart,
and leaves nothing behind; root, unknown people and other hub users'
accounts get no kernel. A kernel over its memory limit is stopped, an idle
one culled."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import pwd
import signal
import subprocess
import threading
from pathlib import Path

import websocket

from campushub.deploy.local import processes
from campushub.deploy.local.forkserver import mounts
from campushub.deploy.local.remote_kernels import gateway, kernel_cgroup, sockets
from campushub.deploy.local.retention_homes import processes_of
from campushub.deploy.local.spawner import cgroups
from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name

from ....harness import TEST_PREFIX, wait_for
from ....remote_gateway import Gateway, remove_accounts
from ..apps.test_app_server import cgroup_limits

PROBE = """import json, os
open("/tmp/campushub-probe", "w").close()
open("/dev/shm/campushub-probe", "w").close()
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "groups": sorted(os.getgroups()), "cwd": os.getcwd(),
                  "env": dict(os.environ), "cgroup": open("/proc/self/cgroup").read(), "ppid": os.getppid(),
                  "sees_pid_1": os.path.exists("/proc/1")}))"""
# what another account tries on the kernel's sockets: list their folder, connect to one, plant a folder of its own
# for a kernel yet to start (socket names are no secret: /proc/net/unix lists them)
SNOOP = """import os, socket, sys
folder = sys.argv[1]
for attempt in (lambda: os.listdir(folder),
                lambda: socket.socket(socket.AF_UNIX).connect(os.path.join(folder, sys.argv[2])),
                lambda: os.mkdir(os.path.join(os.path.dirname(folder), "0b5ef02f-d27a-4231-aeac-d04cd6eaeee6"))):
    try:
        attempt()
        print("reached")
    except PermissionError:
        print("refused")"""


def probe(gw, kernel_id: str) -> dict:
    out = gw.execute(kernel_id, PROBE)
    assert out["error"] is None, out
    return json.loads(out["stream"])


def test_a_kernel_runs_as_its_person_in_its_own_cgroup(gw, project):
    name, gid = project
    alice = gw.account("alice")
    kernel = gw.start_kernel("alice", "campushub-tiny", env={"KERNEL_CAMPUSHUB_PROJECTS": f"{name},not-mine"})
    seen = probe(gw, kernel)
    assert (seen["uid"], seen["gid"]) == (alice.pw_uid, alice.pw_gid) != (0, 0)
    assert seen["groups"] == sorted({alice.pw_gid, gid})  # her own group and her project's, nothing else
    assert seen["cwd"] == alice.pw_dir
    assert seen["env"]["HOME"] == alice.pw_dir and seen["env"]["KERNEL_USERNAME"] == "alice"
    # EG's token and settings stay EG's
    assert not [k for k in seen["env"] if k.startswith(("EG_", "JUPYTER", "JPY_"))], seen["env"]
    cgroup = kernel_cgroup.name(kernel)
    assert f"/campushub/{cgroup}" in seen["cgroup"]
    assert cgroup_limits(cgroup) == (128 * 2**20, 0.5)  # profile tiny
    # a server's isolation: its own /tmp (not the host's), others' processes out of sight
    assert not os.path.exists("/tmp/campushub-probe") and not os.path.exists("/dev/shm/campushub-probe")
    assert seen["sees_pid_1"] is (not mounts._PER_MOUNT_PROC)
    # the kernel's copy of its connection file is hers alone; EG's original is root's
    copy = os.path.join(alice.pw_dir, ".local/share/jupyter/runtime", f"kernel-{kernel}.json")
    st = os.stat(copy)
    assert (st.st_uid, st.st_mode & 0o777) == (alice.pw_uid, 0o600)
    # unix sockets in a folder of hers, not TCP on 127.0.0.1 where any account could read her output
    connection = json.loads(open(copy).read())
    assert (connection["transport"], connection["ip"]) == ("ipc", sockets.ip(kernel))
    folder = os.path.dirname(connection["ip"])
    st = os.stat(folder)
    assert (st.st_uid, st.st_mode & 0o777) == (alice.pw_uid, 0o700)
    iopub = f"{sockets.NAME}-{connection['iopub_port']}"
    assert os.path.exists(os.path.join(folder, iopub))
    bob = gw.account("bob")
    snoop = subprocess.run(["/usr/bin/python3", "-I", "-c", SNOOP, folder, iopub], capture_output=True, text=True,
                           user=bob.pw_uid, group=bob.pw_gid, extra_groups=[], timeout=30)
    assert snoop.stdout.split() == ["refused", "refused", "refused"], snoop
    launcher = seen["ppid"]
    assert pwd.getpwuid(os.stat(f"/proc/{launcher}").st_uid).pw_uid == 0  # the root launcher waits on it
    gw.request("DELETE", f"api/kernels/{kernel}").raise_for_status()
    wait_for(lambda: not os.path.exists(f"/proc/{launcher}"), 30, "the launcher to end with its kernel")
    wait_for(lambda: _gone(cgroup), 30, "the kernel's cgroup to be removed")
    assert not os.path.exists(folder)


def _gone(cgroup: str) -> bool:
    hierarchy = cgroups.detect()
    base = hierarchy.root if hierarchy.version == 2 else hierarchy.mounts["memory"]
    return not (base / cgroups.PARENT / cgroup).exists()


def interrupted(gw, kernel: str) -> dict:
    """Interrupt a cell sleeping for two minutes; what the cell answered."""
    result = {}
    cell = "import time; print('started', flush=True); time.sleep(120)"
    running = threading.Thread(target=gw.execute, args=(kernel, cell), kwargs={"out": result, "timeout": 150})
    running.start()
    # once the cell runs: an interrupt while a kernel starts may stop it, as with any Jupyter kernel
    wait_for(lambda: "started" in result.get("stream", ""), 60, "the cell to start")
    assert gw.request("POST", f"api/kernels/{kernel}/interrupt").status_code == 204
    running.join(60)
    assert not running.is_alive(), "the interrupted cell did not end"
    return result


def test_an_interrupt_reaches_the_kernel_through_the_launcher(gw):
    kernel = gw.start_kernel("bob")
    try:
        assert interrupted(gw, kernel)["error"] == "KeyboardInterrupt"
        assert ast.literal_eval(gw.execute(kernel, "1 + 1")["result"]) == 2  # the kernel lives on
    finally:
        gw.request("DELETE", f"api/kernels/{kernel}")


def test_kernels_outlive_a_gateway_restart(gw):
    kernel = gw.start_kernel("alice")
    gw.execute(kernel, "kept = 41")
    launcher = int(gw.execute(kernel, "import os; os.getppid()")["result"])
    gw.restart()
    assert kernel in gw.kernel_ids()
    assert gw.execute(kernel, "kept + 1")["result"] == "42"
    # the new gateway signals only the launcher's process group (EG's `kill -2 -PGID` signalled group 2)
    assert interrupted(gw, kernel)["error"] == "KeyboardInterrupt"
    gw.request("DELETE", f"api/kernels/{kernel}").raise_for_status()
    wait_for(lambda: not os.path.exists(f"/proc/{launcher}"), 30, "the launcher to end with its kernel")


def test_root_unknown_and_other_peoples_accounts_get_no_kernel(gw):
    for env in ({"KERNEL_USERNAME": "root"}, {}):
        r = gw.request("POST", "api/kernels", json={"name": "campushub-small", "env": env})
        assert r.status_code == 403, r.text  # EG's own unauthorized_users; no name is root too
    # EG answers a local start before the launcher has run: a refused kernel dies at once and EG drops it
    gw.start_kernel("nobody-here")
    # carol's account (marked as hers by useradd's comment) is not "dave"'s, whose name maps to it
    name = unix_name("dave", TEST_PREFIX)
    ensure_user(name, gw.config["spawner"]["home_root"], owner="carol")
    try:
        gw.start_kernel("dave")
        log = gw.layout.log_file("gateway")
        wait_for(lambda: f"refused: the unix account {name} belongs to another hub user" in log.read_text()
                 and "refused: nobody-here has no unix account" in log.read_text(), 60, "the launcher's refusals")
        wait_for(lambda: gw.kernel_ids() == [], 120, "EG to drop the refused kernels")
        assert processes_of(pwd.getpwnam(name).pw_uid) == 0  # nothing ran as carol's account
    finally:
        remove_accounts(["dave"], gw.config)


def test_an_idle_kernel_is_culled_and_leaves_nothing(tmp_path):
    with Gateway.start(tmp_path, people=("erin",), idle=3) as culling:
        kernel = culling.start_kernel("erin")
        launcher, home = ast.literal_eval(culling.execute(kernel, "import os; os.getppid(), os.path.expanduser('~')")
                                          ["result"])
        gate = Path(home) / f"cull-gate-{os.getpid()}"
        busy = culling.start_kernel("erin")
        # busy until the test opens the gate (or 150 s pass), however long the cull takes
        wait = (f"import os, time\ndeadline = time.monotonic() + 150\n"
                f"while not os.path.exists({str(gate)!r}) and time.monotonic() < deadline:\n    time.sleep(0.2)")
        running = threading.Thread(target=lambda: culling.execute(busy, wait, timeout=170))
        running.start()
        try:
            wait_for(lambda: kernel not in culling.kernel_ids(), 60, "EG to cull the idle kernel")
            assert busy in culling.kernel_ids()  # a running cell is never idle
        finally:
            gate.touch()
        wait_for(lambda: not os.path.exists(f"/proc/{launcher}"), 30, "the culled kernel's launcher to end")
        wait_for(lambda: _gone(kernel_cgroup.name(kernel)), 30, "the culled kernel's cgroup to be removed")
        running.join(170)
        gate.unlink()


def test_a_kernel_over_its_memory_limit_is_stopped_and_a_restart_gives_a_fresh_one(gw):
    kernel = gw.start_kernel("bob", "campushub-tiny")  # 128 MiB
    try:
        before = int(gw.execute(kernel, "import os; kept = 1; os.getpid()")["result"])
        with contextlib.suppress(AssertionError, OSError, websocket.WebSocketException):
            gw.execute(kernel, "data = b'x' * (512 * 2**20)", timeout=30)  # the kernel dies under it
        wait_for(lambda: not os.path.exists(f"/proc/{before}"), 60, "the kernel over its limit to be stopped")
        # EG's restarter starts it again, in a cgroup of the same limits; what it held is gone
        def answer():
            with contextlib.suppress(AssertionError, OSError, websocket.WebSocketException):
                return gw.execute(kernel, "import os; os.getpid(), 'kept' in globals()", timeout=20)

        after = wait_for(answer, 120, "the kernel to answer again")
        assert ast.literal_eval(after["result"])[1] is False
        assert cgroup_limits(kernel_cgroup.name(kernel)) == (128 * 2**20, 0.5)
        r = gw.request("POST", f"api/kernels/{kernel}/restart")
        assert r.status_code == 200, r.text
        assert ast.literal_eval(gw.execute(kernel, "1 + 1")["result"]) == 2
    finally:
        gw.request("DELETE", f"api/kernels/{kernel}")


def test_a_gateway_takes_back_only_its_own_launchers_never_a_process_that_took_a_pid(gw):
    """EG trusted the pid in a persisted session: after a reboot, or a launcher that died while EG was down,
    the next gateway signalled whatever process had that pid since (a DELETE, or the culler's SIGKILL)."""
    kernel = gw.start_kernel("alice")
    launcher = int(gw.execute(kernel, "import os; os.getppid()")["result"])
    processes.stop(gw.layout, gateway.NAME)  # the gateway goes away, its kernels keep running
    os.kill(launcher, signal.SIGKILL)  # and then this one's launcher dies (its kernel with it)
    wait_for(lambda: not os.path.exists(f"/proc/{launcher}"), 30, "the launcher to die")
    victim = subprocess.Popen(["sleep", "600"], start_new_session=True)  # root's, as the hub's could be
    try:
        session = gateway.sessions(gw.layout) / f"{kernel}.json"
        saved = json.loads(session.read_text())
        saved[kernel]["process_info"].update(pid=victim.pid, pgid=victim.pid)  # as if it had the launcher's pid
        session.write_text(json.dumps(saved))
        gw.proc = gateway.start(gw.config, gw.layout, gw.env_dir, gw.idle)
        gateway.wait(gw.config, gw.layout, gw.proc)
        assert kernel not in gw.kernel_ids()
        assert gw.request("DELETE", f"api/kernels/{kernel}").status_code == 404
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()
        # what the killed launcher could not remove (a later launch sweeps it after 5 minutes)
        kernel_cgroup.remove(cgroups.detect(), kernel_cgroup.name(kernel))
        sockets.remove(kernel)
