"""EG's response port as a release runs it (gateway_app.py, attack review
16-rk #3): one kernel pod holding an idle connection stalls no kernel start,
and no pod but the kernel's own can answer for it.

Real EG 3.2.3 code in the gateway venv: our Responses and KernelPod (EG's
KubernetesProcessProxy) under EG's own confirm_remote_startup, as a kernel
start runs it, for one kernel whose pod has IP 127.0.0.1. Senders are real
TCP clients, each pod an address of the loopback. Stood in (no cluster):
Kubernetes' API, which lists that kernel's pod, Pending until the test says
it runs. Without gateway_app (EG's ResponseManager) each test fails: the
idle connection holds the start until it closes; the forged details are
taken."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import threading
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from campushub.config import validate
from campushub.deploy.kubernetes.render import gateway
from campushub.deploy.kubernetes.render.remote_kernels import kernel_images
from campushub.deploy.local.remote_kernels import venv

from ...harness import free_port, wait_for
from .kernel_pods import KERNEL_ID

pytestmark = pytest.mark.stack
POD_IP = "127.0.0.1"
MAX_PAYLOAD = 64 * 1024  # Responses.max_payload
CONFIG = validate({"profiles": {"small": {"cpu": 1, "memory": "2G"}}, "remote_kernels": {"enabled": True}})
EG_SIDE = r"""
import asyncio, importlib.util, json, logging, sys, types
import kubernetes.client, kubernetes.config

app_path, kernel_id, pod_ip, read_timeout, phase = sys.argv[1:]
logging.basicConfig(level=logging.INFO)
# the stand-in for the cluster: its API lists the kernel's pod (KubernetesProcessProxy.get_container_status)
kubernetes.config.load_incluster_config = lambda: None
pod = {"phase": phase}

def list_namespaced_pod(namespace, label_selector):
    assert label_selector == f"kernel_id={kernel_id},component=kernel", label_selector
    status = types.SimpleNamespace(phase=pod["phase"], pod_ip=pod_ip, host_ip=pod_ip)
    return types.SimpleNamespace(items=[types.SimpleNamespace(metadata=types.SimpleNamespace(name="k"), status=status)])

kubernetes.client.CoreV1Api = lambda: types.SimpleNamespace(list_namespaced_pod=list_namespaced_pod)
spec = importlib.util.spec_from_file_location("campushub_k8s_gateway", app_path)
app = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = app
spec.loader.exec_module(app)
from enterprise_gateway.services.kernels.remotemanager import RemoteKernelManager

async def main():
    app.Responses.instance(read_timeout=float(read_timeout))
    km = RemoteKernelManager()
    km.kernel_id = kernel_id
    proxy = app.KernelPod(km, {})
    responses = proxy.response_manager
    print(json.dumps({"address": responses.response_address, "public_key": responses.public_key,
                      "ours": type(responses).__name__}), flush=True)
    start = asyncio.create_task(proxy.confirm_remote_startup())  # EG's, as in a kernel start
    loop = asyncio.get_running_loop()
    while pod["phase"] != "Running":
        if (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "running":
            pod["phase"] = "Running"
    await start
    print(json.dumps({"key": km.session.key.decode()}), flush=True)
    # EG goes on after a start: held until the test ends, so what it holds open is still open when looked at
    await loop.run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""
SEND = r"""
import base64, json, os, socket, sys
from Cryptodome.Cipher import AES, PKCS1_v1_5
from Cryptodome.PublicKey import RSA
from Cryptodome.Util.Padding import pad

address, public_key, kernel_id, key, source = sys.argv[1:]
# what EG's launch_ipykernel.py sends (version 1: an AES key encrypted with EG's public key)
aes = os.urandom(16)
info = json.dumps({"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "hb_port": 4, "control_port": 5,
                   "ip": "0.0.0.0", "key": key, "transport": "tcp", "signature_scheme": "hmac-sha256",
                   "kernel_id": kernel_id, "pid": 7, "pgid": 7, "comm_port": 6}).encode()
rsa = PKCS1_v1_5.new(RSA.import_key(base64.b64decode(public_key)))
payload = base64.b64encode(json.dumps({"version": 1, "key": base64.b64encode(rsa.encrypt(aes)).decode(),
    "conn_info": base64.b64encode(AES.new(aes, AES.MODE_ECB).encrypt(pad(info, 16))).decode()}).encode())
host, port = address.split(":")
with socket.create_connection((host, int(port)), source_address=(source, 0)) as s:
    s.sendall(payload)
"""


class EG:
    def __init__(self, proc: subprocess.Popen, log: Path, python: Path):
        self.proc, self.log, self.python = proc, log, python
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(json.loads(x)) for x in proc.stdout], daemon=True).start()
        first = self.next()
        self.address, self.public_key = first["address"], first["public_key"]
        assert first["ours"] == "Responses"
        host, port = self.address.split(":")
        self.host, self.port = host, int(port)

    def next(self, timeout: float = 120) -> dict:
        return self.lines.get(timeout=timeout)

    def send(self, key: str, source: str) -> None:
        subprocess.run([str(self.python), "-c", SEND, self.address, self.public_key, KERNEL_ID, key, source],
                       check=True, timeout=60)

    def connect(self, source: str) -> socket.socket:
        return socket.create_connection((self.host, self.port), source_address=(source, 0))

    def running(self) -> None:
        self.proc.stdin.write("running\n")
        self.proc.stdin.flush()

    def logged(self, text: str, times: int = 1) -> None:
        wait_for(lambda: self.log.read_text().count(text) >= times, 60, f"EG logs {text!r} x{times}")


@contextmanager
def eg_side(tmp_path: Path, read_timeout: float, phase: str):
    python = venv.ensure_gateway_env(validate({})) / "bin" / "python"
    app = tmp_path / gateway.APP  # as the ConfigMap mounts it in EG's pod
    app.write_text(gateway.config_map(CONFIG, kernel_images(CONFIG))["data"][gateway.APP])
    log = tmp_path / "eg.log"
    env = {"PATH": "/usr/bin:/bin", "EG_RESPONSE_IP": "127.0.0.1", "EG_RESPONSE_PORT": str(free_port()),
           "EG_KERNEL_LAUNCH_TIMEOUT": "600"}
    proc = subprocess.Popen([str(python), "-c", EG_SIDE, str(app), KERNEL_ID, POD_IP, str(read_timeout), phase],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("w"), text=True, env=env,
                            start_new_session=True)
    try:
        yield EG(proc, log, python)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except ConnectionResetError:
        return False


def test_idle_connections_stall_no_kernel_start(tmp_path):
    # read_timeout longer than the test: the start must go through while they are open
    with eg_side(tmp_path, 600, "Running") as eg:
        # five from one pod: the one beyond max_per_peer is closed at once
        conns = [eg.connect("127.0.0.2") for _ in range(5)]
        wait_for(lambda: sum(not still_open(s) for s in conns) == 1, 60, "one of the pod's five connections closed")
        eg.send("genuine", POD_IP)
        assert eg.next()["key"] == "genuine"  # the start went through while four were held open
        assert sum(still_open(s) for s in conns) == 4
        for s in conns:
            s.close()


def test_details_sent_before_eg_sees_the_pod_are_taken_from_the_pod_only(tmp_path):
    with eg_side(tmp_path, 5, "Pending") as eg:
        # another pod, and the kernel's own, while EG does not know the pod's IP yet
        eg.send("forged", "127.0.0.2")
        eg.logged(f"details for kernel {KERNEL_ID} from 127.0.0.2 held until its pod runs")
        eg.send("genuine", POD_IP)
        eg.logged(f"details for kernel {KERNEL_ID} from {POD_IP} held until its pod runs")
        eg.running()
        assert eg.next()["key"] == "genuine"
        eg.logged(f"details for kernel {KERNEL_ID} came from 127.0.0.2, not from its pod {POD_IP}; refused")


def test_details_from_another_pod_are_refused(tmp_path):
    with eg_side(tmp_path, 5, "Running") as eg:
        # its pod known to EG, the forged details come first
        eg.logged(f"details for kernel {KERNEL_ID} taken from its pod's IP {POD_IP} only")
        eg.send("forged", "127.0.0.2")
        eg.logged(f"details for kernel {KERNEL_ID} came from 127.0.0.2, not from its pod {POD_IP}; refused")
        eg.send("genuine", POD_IP)
        assert eg.next()["key"] == "genuine"


def test_slow_and_oversized_senders_are_cut_off(tmp_path):
    with eg_side(tmp_path, 2, "Running") as eg:
        idle = eg.connect("127.0.0.2")
        big = eg.connect("127.0.0.3")
        big.sendall(b"A" * (MAX_PAYLOAD + 4096))  # and never closes
        wait_for(lambda: not still_open(idle), 60, "the idle connection closed by EG")
        wait_for(lambda: not still_open(big), 60, "the oversized sender closed by EG")
        eg.logged("sent more than")
        eg.send("genuine", POD_IP)
        assert eg.next()["key"] == "genuine"
        for s in (idle, big):
            with suppress(OSError):
                s.close()
