"""Kernels talk to their server over unix sockets in the server's private
/tmp, never over TCP: the probe that read another learner's kernel ports
from /proc/net/tcp and subscribed to their output now finds nothing to
connect to, with or without guessing, from a kernel or from a login."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from .....harness import execute, run_code
from ..paths import env_dir_of
from .conftest import as_user, server_pids, start, stop

RUNTIME = "/tmp/jupyter-runtime"


def listening_tcp_ports(pids: list[int]) -> dict[int, list[str]]:
    """TCP ports the given processes listen on, with their command lines (what `ss -lntp` shows)."""
    listening = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                listening[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    ports = {}
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except FileNotFoundError:
            continue
        for fd in fds:
            try:
                target = fd.readlink().name
            except OSError:
                continue
            inode = re.fullmatch(r"socket:\[(\d+)\]", target)
            if inode and inode.group(1) in listening:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                ports.setdefault(listening[inode.group(1)], []).append(f"{pid}: {cmdline[:150]}")
    return ports


def kernel_pid(user: str, kernel_id: str) -> int:
    for pid in server_pids(user):
        if kernel_id in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
            return pid
    raise AssertionError(f"no process of {user}'s runs kernel {kernel_id}")


def connection(user: str, kernel_id: str) -> dict:
    # root reaches into the server's private /tmp through its /proc root
    path = Path(f"/proc/{kernel_pid(user, kernel_id)}/root{RUNTIME}/kernel-{kernel_id}.json")
    return json.loads(path.read_text())


def env_python(hub) -> str:
    # the site environment every server here runs (a forked server's /proc/PID/environ is the fork server's)
    return str(env_dir_of(hub) / "bin" / "python")


def test_kernels_and_proxied_pages_listen_on_no_tcp_port(hub):
    token = start(hub, "ivy")
    try:
        out = run_code(hub, "ivy", token, "import os; print(os.environ['JUPYTER_RUNTIME_DIR'])")
        assert out["stream"].strip() == RUNTIME, out
        info = connection("ivy", out["kernel_id"])
        assert info["transport"] == "ipc" and info["ip"].startswith(f"{RUNTIME}/kernel-"), info
        # a page jupyter-server-proxy starts on demand (the Launcher's help)
        r = requests.get(f"{hub.url}/user/ivy/own-environments/", headers={"Authorization": f"token {token}"},
                         timeout=60)
        assert r.status_code == 200 and "<html" in r.text.lower(), r.text[:300]
        pids = server_pids("ivy")
        assert len(pids) >= 3, pids  # server, kernel, proxied page
        target = hub.api("GET", "proxy").json()["/user/ivy/"]["target"]
        server_port = int(target.rsplit(":", 1)[1].split("/")[0])
        # only the server's own HTTP port, which the hub authenticates
        listening = listening_tcp_ports(pids)
        assert set(listening) == {server_port}, listening
        # output of forked children still reaches the notebook (ipykernel's
        # pipe for it, moved off TCP)
        forked = run_code(hub, "ivy", token, "import multiprocessing as mp\n"
                          "p = mp.get_context('fork').Process(target=print, args=('from a child',))\n"
                          "p.start(); p.join(); print('exit', p.exitcode)")
        assert "from a child" in forked["stream"] and "exit 0" in forked["stream"], forked
        listening = listening_tcp_ports(server_pids("ivy"))
        assert set(listening) == {server_port}, listening
        # and the kernel offers no debugger, which could only listen on TCP
        ws_reply = kernel_info(hub, "ivy", token, out["kernel_id"])
        assert "debugger" not in ws_reply["supported_features"], ws_reply
    finally:
        stop(hub, "ivy")


def kernel_info(hub, user: str, token: str, kernel_id: str) -> dict:
    import websocket

    ws = websocket.create_connection(f"ws://127.0.0.1:{hub.port}/user/{user}/api/kernels/{kernel_id}/channels",
                                     header=[f"Authorization: token {token}"], timeout=30)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({"header": {"msg_id": msg_id, "username": user, "session": uuid.uuid4().hex,
                                       "msg_type": "kernel_info_request", "version": "5.3"},
                            "parent_header": {}, "metadata": {}, "channel": "shell", "content": {}}))
        while True:
            msg = json.loads(ws.recv())
            if msg["header"]["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]
    finally:
        ws.close()


PROBE = """
import json, os, socket, time, zmq
kid, victim_pids = {kid!r}, {pids!r}
report = {{"tcp_ports": 0, "received": "", "seen": [], "unix": {{}}, "guessed": {{}}}}
# 1. every listening TCP port of the machine, subscribed to with no key
ports = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(table).read().splitlines()[1:]:
        f = line.split()
        if f[3] == "0A":
            ports.add(int(f[1].rsplit(":", 1)[1], 16))
ctx = zmq.Context()
poller = zmq.Poller()
for port in ports:
    s = ctx.socket(zmq.SUB); s.setsockopt(zmq.SUBSCRIBE, b""); s.setsockopt(zmq.LINGER, 0)
    s.connect("tcp://127.0.0.1:%d" % port); poller.register(s, zmq.POLLIN)
report["tcp_ports"] = len(ports)
deadline = time.monotonic() + 4
while time.monotonic() < deadline:
    for s, _ in poller.poll(200):
        report["received"] += repr(s.recv_multipart())
# 2. the victim's sockets by the names /proc/net/unix shows
def attempt(path):
    c = socket.socket(socket.AF_UNIX)
    try:
        c.connect(path); return "connected"
    except OSError as e:
        return type(e).__name__
    finally:
        c.close()
for line in open("/proc/net/unix").read().splitlines()[1:]:
    path = line.split()[-1]
    if kid in path:
        report["seen"].append(path)
        report["unix"][path] = attempt(path)
# 3. guessed: the kernel's socket names, through each victim process's root
for pid in victim_pids:
    for n in range(1, 6):
        path = "/proc/%d/root{runtime}/kernel-%s-ipc-%d" % (pid, kid, n)
        report["guessed"][path] = attempt(path)
    try:
        os.listdir("/proc/%d/root{runtime}" % pid); report["guessed"]["listing %d" % pid] = "listed"
    except OSError as e:
        report["guessed"]["listing %d" % pid] = type(e).__name__
print(json.dumps(report))
"""


def test_another_learner_cannot_subscribe_to_or_connect_to_a_kernel(hub):
    victim, attacker = "vic", "mal"
    tv, ta = start(hub, victim), start(hub, attacker)
    secret = f"SECRET-{uuid.uuid4().hex}"
    try:
        kid = run_code(hub, victim, tv, "1")["kernel_id"]
        info = connection(victim, kid)
        # the victim keeps printing a secret while the attack runs
        talker = threading.Thread(target=execute, args=(
            hub, victim, tv, kid, f"import time\nfor i in range(150):\n    print({secret!r}); time.sleep(0.1)"),
            kwargs={"timeout": 60})
        talker.start()
        try:
            # control: the output really flows on the kernel's iopub socket, for
            # whoever may open it (root, through the victim's /proc root)
            iopub = f"/proc/{kernel_pid(victim, kid)}/root{info['ip']}-{info['iopub_port']}"
            assert secret in subscribe(env_python(hub), iopub), "the control subscriber got nothing"
            victim_pids = server_pids(victim)
            code = PROBE.format(kid=kid, pids=victim_pids, runtime=RUNTIME)
            out = run_code(hub, attacker, ta, code, timeout=90)
        finally:
            talker.join()
        report = json.loads(out["stream"].strip().splitlines()[-1])
        assert report["tcp_ports"] > 0
        assert secret not in report["received"] and kid not in report["received"]
        # the attacker sees the names, but none of them leads anywhere
        assert report["seen"], "the victim's sockets should be listed in /proc/net/unix"
        assert set(report["unix"].values()) == {"FileNotFoundError"}, report["unix"]
        # PermissionError; FileNotFoundError where other accounts' processes are hidden (hidepid, Linux >= 5.8)
        refused = {"PermissionError", "FileNotFoundError"}
        assert report["guessed"] and set(report["guessed"].values()) <= refused, report["guessed"]
        # nor from a login of the attacker's account outside any server
        login = as_user(attacker, "import socket\nfor p in %r:\n    c = socket.socket(socket.AF_UNIX)\n"
                        "    try:\n        c.connect(p); print('connected')\n    except OSError as e:\n"
                        "        print(type(e).__name__)\n" % [iopub, info["ip"] + "-1"])
        assert login.stdout.split() == ["PermissionError", "FileNotFoundError"], login
    finally:
        stop(hub, victim)
        stop(hub, attacker)


def subscribe(python: str, path: str) -> str:
    code = ("import sys, time, zmq\ns = zmq.Context().socket(zmq.SUB); s.setsockopt(zmq.SUBSCRIBE, b'')\n"
            "s.connect('ipc://' + sys.argv[1]); out = b''; end = time.monotonic() + 5\n"
            "while time.monotonic() < end:\n    if s.poll(200): out += b''.join(s.recv_multipart())\n"
            "print(out.decode(errors='replace'))")
    return subprocess.run([python, "-c", code, path], capture_output=True, text=True, timeout=60).stdout


def test_twenty_kernels_started_at_once_all_run(hub):
    token = start(hub, "kay", {"memory": "3G", "cpu": 2})
    base, headers = f"{hub.url}/user/kay/api/kernels", {"Authorization": f"token {token}"}
    try:
        with ThreadPoolExecutor(20) as pool:
            replies = list(pool.map(lambda _: requests.post(base, headers=headers, json={"name": "python3"},
                                                            timeout=180), range(20)))
        assert [r.status_code for r in replies] == [201] * 20, [r.text[:200] for r in replies]
        ids = [r.json()["id"] for r in replies]
        assert len(set(ids)) == 20
        with ThreadPoolExecutor(5) as pool:
            outs = list(pool.map(lambda i: execute(hub, "kay", token, ids[i], f"print({i} * 7)", timeout=120),
                                 range(20)))
        assert [o["stream"].strip() for o in outs] == [str(i * 7) for i in range(20)], outs
        sockets = {connection("kay", kid)["ip"] for kid in ids}
        assert len(sockets) == 20  # every kernel its own socket names
    finally:
        stop(hub, "kay")


def test_a_long_hashed_account_name_still_gets_ipc_kernels(hub):
    user = "ana.long-learner-name@example-university.ac.jp"  # longer than useradd allows: hashed
    token = start(hub, user)
    try:
        out = run_code(hub, user, token, "print(6 * 7)")
        assert out["stream"].strip() == "42", out
        info = connection(user, out["kernel_id"])
        assert info["transport"] == "ipc" and len(f"{info['ip']}-{info['iopub_port']}".encode()) <= 107, info
    finally:
        stop(hub, user)
