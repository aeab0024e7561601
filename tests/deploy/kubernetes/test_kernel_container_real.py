"""The kernel pod's container, run here as Kubernetes would run it: the
command of our rendered pod with its $(VAR) references filled from the
container's env, EG's own launch_ipykernel.py (what the init container
copies from the gateway image) and the python of the user environment the
user image is built from (its lock). It sends its connection details to
EG's response port as a release runs it (gateway_app.py's Responses, a
ResponseManager of EG 3.2.3, in its gateway venv), which decrypts them,
and runs code sent with jupyter_client.

No cluster: the container is a process on this machine (so its uid is the
test's, not the pod's 1000), and the pod's network is the loopback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient

from campushub.config import validate
from campushub.deploy.kubernetes.remote_kernels import kernel_env
from campushub.deploy.kubernetes.render import gateway
from campushub.deploy.kubernetes.render.remote_kernels import kernel_images
from campushub.deploy.local.environments import default_env_dir, ensure_environments
from campushub.deploy.local.remote_kernels import venv

from ...harness import free_port
from .kernel_pods import KERNEL_ID, eg_launcher, render_pod

pytestmark = pytest.mark.stack
LAUNCHER = "/opt/campushub-launcher/launch_ipykernel.py"  # where the template's init container copies it
# EG's side: its response port as a release runs it (gateway_app.py's Responses, the ResponseManager
# every process proxy uses there) for one kernel id, whose pod is the loopback here
RESPONSE = """
import asyncio, importlib.util, json, sys
import kubernetes.config
kubernetes.config.load_incluster_config = lambda: None  # gateway_app imports EG's k8s module; no cluster here
spec = importlib.util.spec_from_file_location("campushub_k8s_gateway", sys.argv[2])
app = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = app
spec.loader.exec_module(app)

async def main():
    manager = app.Responses.instance()
    manager.register_event(sys.argv[1])
    manager.expect(sys.argv[1], "127.0.0.1")  # what KernelPod tells it once EG sees the pod running
    print(json.dumps({"public_key": manager.public_key, "address": manager.response_address}), flush=True)
    deadline = asyncio.get_running_loop().time() + 120  # then it ends, printing nothing more
    while asyncio.get_running_loop().time() < deadline:  # as RemoteProcessProxy.receive_connection_info polls
        try:
            print(json.dumps(await manager.get_connection_info(sys.argv[1])), flush=True)
            return
        except asyncio.TimeoutError:
            await asyncio.sleep(0.1)

asyncio.run(main())
"""


def expand(value: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion of a container's command from its env."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), value)


@pytest.fixture
def user_python(tmp_path) -> Path:
    config = validate({"data_dir": str(tmp_path / "data")})
    return default_env_dir(config, ensure_environments(config)) / "bin" / "python"


def test_the_kernel_container_runs_in_the_user_environment_and_answers_eg(tmp_path, user_python):
    site = validate({"profiles": {"small": {"cpu": 1, "memory": "2G"}}, "remote_kernels": {"enabled": True}})
    launcher = eg_launcher("python/scripts/launch_ipykernel.py", tmp_path / "launcher" / "launch_ipykernel.py",
                           tmp_path / "sdist")
    eg_python = venv.ensure_gateway_env(validate({})) / "bin" / "python"
    app = tmp_path / gateway.APP
    app.write_text(gateway.config_map(site, kernel_images(site))["data"][gateway.APP])
    eg = subprocess.Popen([str(eg_python), "-c", RESPONSE, KERNEL_ID, str(app)], stdout=subprocess.PIPE, text=True,
                          env={"PATH": "/usr/bin:/bin", "EG_RESPONSE_IP": "127.0.0.1",
                               "EG_RESPONSE_PORT": str(free_port())}, start_new_session=True)
    kernel = None
    try:
        response = json.loads(eg.stdout.readline())
        pod = render_pod(kernel_env(site, "kim", "small", [], []), response_address=response["address"],
                         public_key=response["public_key"])
        (container,) = pod["spec"]["containers"]
        env = {e["name"]: e["value"] for e in container["env"]}
        command = [expand(part, env) for part in container["command"]]
        assert command[:2] == ["python", LAUNCHER] and "$(" not in " ".join(command)
        home = tmp_path / "home"
        home.mkdir()
        kernel = subprocess.Popen([str(user_python), str(launcher), *command[2:]], cwd=home,
                                  env={**env, "HOME": str(home), "PATH": f"{user_python.parent}:/usr/bin:/bin"},
                                  stdout=subprocess.DEVNULL, stderr=(tmp_path / "kernel.log").open("w"),
                                  start_new_session=True)
        line = eg.stdout.readline()  # EG decrypted what the launcher sent (pycryptodomex in the user env)
        assert line, "no connection details reached EG"
        info = json.loads(line)
        assert info["kernel_id"] == KERNEL_ID
        client = BlockingKernelClient()
        # the kernel listens on every address of its pod; EG connects to the pod's IP
        client.load_connection_info({**info, "ip": "127.0.0.1"})
        client.start_channels()
        client.wait_for_ready(timeout=60)
        outputs = []
        reply = client.execute_interactive("import sys; print(sys.prefix)", timeout=60, output_hook=outputs.append)
        assert reply["content"]["status"] == "ok"
        printed = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
        assert printed.strip() == str(user_python.parent.parent)
        client.stop_channels()
    finally:
        for proc in (kernel, eg):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)

