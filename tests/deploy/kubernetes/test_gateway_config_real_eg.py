"""The rendered Enterprise Gateway configuration (render/gateway.py) run by a
real EG 3.2.3, from the gateway venv `campushub up` builds
(deploy/local/remote_kernels/venv.py), with the ConfigMap's files laid out
as the Deployment mounts them: EG reads our config file, lists only our
kernelspecs, wants its token, and cannot be made to run a kernel inside its
own pod (ipykernel's python3, EG's sample kernelspecs).

No cluster: the Deployment's mounts are a folder here, and no kernel pod is
started (KubernetesProcessProxy needs a cluster's API; the pod it would
make is tested offline in test_remote_kernel_pods.py)."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
from pathlib import Path

import pytest
import requests
import yaml

from campushub.config import validate
from campushub.deploy.kubernetes.remote_kernels import kernel_env
from campushub.deploy.kubernetes.render import gateway
from campushub.deploy.kubernetes.render.remote_kernels import kernel_images
from campushub.deploy.local.remote_kernels import venv

from ...harness import free_port, wait_for
from .chart import assert_valid_manifest
from .kernel_pods import KERNEL_ID, eg_launcher, launcher_env, render_pod

pytestmark = pytest.mark.stack
MARK = "31337"  # sleep's argument: a kernel process running inside EG
CONFIG = validate({
    "profiles": {"small": {"cpu": 1, "memory": "2G"}, "big": {"cpu": 1, "memory": "2G"}},
    "remote_kernels": {"enabled": True, "cull_idle_minutes": 45},
    "kubernetes": {"namespace": "campus"},
})


def lay_out(root: Path) -> dict[str, str]:
    """The ConfigMap's files where the Deployment mounts them, under root; the env it sets, moved there too."""
    objects = {(m["kind"], m["metadata"]["name"]): m for m in gateway.manifests(CONFIG, kernel_images(CONFIG))}
    data = objects[("ConfigMap", f"{gateway.NAME}-config")]["data"]
    pod = objects[("Deployment", gateway.NAME)]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in container["volumeMounts"]:
        for item in (volumes[mount["name"]].get("configMap") or {}).get("items", []):
            target = root / mount["mountPath"].lstrip("/")
            if not mount.get("subPath"):
                target = target / item["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            # absolute paths in the files point into the mounts, now under root
            target.write_text(data[item["key"]].replace(gateway.CONFIG_DIR, str(root) + gateway.CONFIG_DIR)
                              .replace(gateway.SESSIONS, str(root) + gateway.SESSIONS))
    (root / gateway.SESSIONS.lstrip("/")).mkdir(parents=True, exist_ok=True)
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    for key in ("JUPYTER_CONFIG_DIR", "JUPYTER_PATH"):
        env[key] = str(root) + env[key]
    return env


# EG's k8s module loads the in-cluster API config on import (gateway_app.py imports it); here there is none
NO_CLUSTER = """import runpy, sys, kubernetes.config
kubernetes.config.load_incluster_config = lambda: None
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")"""


def command() -> list[str]:
    objects = {(m["kind"], m["metadata"]["name"]): m for m in gateway.manifests(CONFIG, kernel_images(CONFIG))}
    return objects[("Deployment", gateway.NAME)]["spec"]["template"]["spec"]["containers"][0]["command"]


@pytest.fixture(scope="module")
def eg(tmp_path_factory):
    env_dir = venv.ensure_gateway_env(validate({}))
    root = tmp_path_factory.mktemp("eg")
    token, port = secrets.token_hex(16), free_port()
    # what EG's image has besides ours: a python3 kernelspec (ipykernel's, found even without a folder,
    # when ipykernel is installed) and EG's samples; here they would start a marked process in EG's place
    for name in ("python3", "python_kubernetes"):
        spec = root / "home" / ".local" / "share" / "jupyter" / "kernels" / name / "kernel.json"
        spec.parent.mkdir(parents=True)
        spec.write_text(json.dumps({"display_name": name, "language": "python", "argv": ["/bin/sleep", MARK]}))
    env = {"PATH": f"{env_dir}/bin:/usr/bin:/bin", "HOME": str(root / "home"), "EG_AUTH_TOKEN": token,
           "JUPYTER_RUNTIME_DIR": str(root / "runtime"), **lay_out(root), "EG_RESPONSE_PORT": str(free_port())}
    # the Deployment's command (gateway_app.py by path), its python the venv's; only where it listens
    # differs from the pod (the config file says 0.0.0.0:8888), and no cluster's API is there to find
    python, isolated, app = command()
    assert (python, isolated) == ("python", "-I")
    proc = subprocess.Popen([f"{env_dir}/bin/python", isolated, "-c", NO_CLUSTER, str(root) + app,
                             "--EnterpriseGatewayApp.ip=127.0.0.1", f"--EnterpriseGatewayApp.port={port}"],
                            env=env, stdout=subprocess.DEVNULL, stderr=open(root / "eg.log", "w"),
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        auth = {"Authorization": f"token {token}"}
        wait_for(lambda: proc.poll() is None and requests.get(f"{url}/api", headers=auth, timeout=5).ok, 120, "EG up")
        yield url, token, proc, root
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


def test_eg_reads_our_config_and_lists_only_our_kernelspecs(eg):
    url, token, _, _ = eg
    r = requests.get(f"{url}/api/kernelspecs", headers={"Authorization": f"token {token}"}, timeout=30)
    assert r.status_code == 200
    specs = r.json()["kernelspecs"]
    assert set(specs) == {"campushub-small", "campushub-big"}
    proxy = specs["campushub-small"]["spec"]["metadata"]["process_proxy"]
    assert proxy["class_name"] == gateway.PROXY == "campushub_k8s_gateway.KernelPod"
    assert r.json()["default"] == "campushub-small"
    # read from our file (both differ from EG's defaults): list_kernels is on, which the front's culled
    # check needs, and the default kernelspec is our first
    assert requests.get(f"{url}/api/kernels", headers={"Authorization": f"token {token}"}, timeout=30).json() == []


def test_eg_knows_every_setting_we_give_it(eg):
    _, _, _, root = eg
    # traitlets warns of a setting no class declares (kernel_dirs, say) and ignores it
    assert "not recognized" not in (root / "eg.log").read_text()


def test_eg_wants_its_token(eg):
    url, _, _, _ = eg
    for headers in ({}, {"Authorization": "token wrong"}):
        assert requests.get(f"{url}/api/kernelspecs", headers=headers, timeout=30).status_code in (401, 403)


def test_python3_cannot_run_a_kernel_inside_eg(eg):
    url, token, proc, _ = eg
    auth = {"Authorization": f"token {token}"}
    r = requests.post(f"{url}/api/kernels", headers=auth, timeout=60,
                      json={"name": "python3", "env": {"KERNEL_USERNAME": "mallory"}})
    # a kernel EG launched in its place would still be running now (Popen returns once it is started)
    assert MARK not in _children(proc)
    if r.status_code == 201:  # our python3, which exits at once
        requests.delete(f"{url}/api/kernels/{r.json()['id']}", headers=auth, timeout=60)


def test_a_kernelspec_of_the_image_is_not_listed(eg):
    """EG's samples stay startable by name for whoever holds EG's token (only the front, which starts
    the person's allowed profiles only); they are not offered, and none of them runs in EG's pod."""
    url, token, proc, _ = eg
    auth = {"Authorization": f"token {token}"}
    assert "python_kubernetes" not in requests.get(f"{url}/api/kernelspecs", headers=auth, timeout=30).json()[
        "kernelspecs"]


def _children(proc) -> str:
    return subprocess.run(["ps", "-o", "args=", "--ppid", str(proc.pid)], capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def launch_kubernetes(tmp_path_factory) -> Path:
    """EG's own launch_kubernetes.py (kernel_pods.eg_launcher)."""
    # where the image has it: KERNEL_NAME is its grandparent folder's name
    script = tmp_path_factory.mktemp("eg") / "python_kubernetes" / "scripts" / "launch_kubernetes.py"
    eg_launcher("kubernetes/scripts/launch_kubernetes.py", script, tmp_path_factory.mktemp("eg-sdist"))
    # beside it, as the Deployment mounts it over the image's
    (script.parent / gateway.TEMPLATE).write_text(gateway.template())
    return script


def test_eg_s_own_launcher_renders_our_template_into_a_valid_pod(launch_kubernetes, tmp_path):
    """launch_kubernetes.py with --pod-template writes the pod it would create instead of creating it
    (its Spark path): the real rendering of our template from the env the front sends, no cluster."""
    site = validate({"profiles": {"gpu": {"cpu": 2, "memory": "4G", "gpus": 1, "node_pool": "gpu"}},
                     "remote_kernels": {"enabled": True},
                     "policies": {"default": {"cpu": {"max": 2}, "memory": {"max": "8G"}, "gpus": {"max": 1},
                                              "node_pools": ["gpu"]}},
                     "kubernetes": {"namespace": "campus", "node_pools": {"gpu": {"node_selector": {"pool": "gpu"}}},
                                    "shared_volumes": {"data": {"mount_path": "/srv/data", "storage_class": "nfs"}}}})
    front = kernel_env(site, "*ada", "gpu", ["staff"], ["churn-model"])
    kubeconfig = tmp_path / "kubeconfig"  # read, never used: no API call with --pod-template
    kubeconfig.write_text(OFFLINE_KUBECONFIG)
    env = {**launcher_env(front), "KUBECONFIG": str(kubeconfig), "PATH": "/usr/bin:/bin"}
    out = tmp_path / "pod.yaml"
    python = venv.ensure_gateway_env(validate({})) / "bin" / "python"
    # the argv of our kernelspec as EG fills it in (its "python" is EG's interpreter; the script where it lies here)
    argv = gateway.kernelspec({"display_name": "GPU", "image": "unused"})["argv"]
    assert argv[:2] == ["python", f"{gateway.LAUNCHER_DIR}/launch_kubernetes.py"]
    values = {"kernel_id": KERNEL_ID, "port_range": "0..0", "response_address": "10.1.2.3:8877",
              "public_key": "TUlJQklq"}
    argv = [str(python), str(launch_kubernetes), *(a.format(**values) for a in argv[2:]), "--pod-template", str(out)]
    subprocess.run(argv, env=env, check=True, capture_output=True)
    pod = yaml.safe_load(out.read_text())
    assert_valid_manifest(pod)
    mine = render_pod(front)  # the offline tests' stand-in for the launcher (kernel_pods.py)
    (container,) = pod["spec"]["containers"]
    (expected,) = mine["spec"]["containers"]
    assert pod["spec"] == {**mine["spec"], "containers": pod["spec"]["containers"]}
    assert {**container, "env": None} == {**expected, "env": None}
    # the launcher adds its whole environment (here also KUBECONFIG, PATH and Python's LC_CTYPE) to the container's
    test_only = ("KUBECONFIG", "PATH", "LC_CTYPE")
    assert [e for e in expected["env"] if e["name"] not in test_only] == \
        [e for e in container["env"] if e["name"] not in test_only]
    assert pod["metadata"] == mine["metadata"]
    assert {e["name"]: e["value"] for e in container["env"]}["KERNEL_USERNAME"] == front["KERNEL_USERNAME"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert pod["metadata"]["annotations"]["hub.jupyter.org/username"] == "*ada"


OFFLINE_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: offline
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
- name: offline
  user: {token: not-a-real-token}
contexts:
- name: offline
  context: {cluster: offline, user: offline, namespace: campus}
current-context: offline
"""


def test_a_start_of_our_kernelspec_goes_through_gateway_app(eg):
    """campushub_k8s_gateway.KernelPod resolves in EG (the name gateway_app.py gives itself) and its
    response port is our Responses, with its default read timeout (what it does besides:
    test_gateway_response_port.py). No cluster: the start fails when EG asks the API for the pod."""
    url, token, _, root = eg
    r = requests.post(f"{url}/api/kernels", headers={"Authorization": f"token {token}"}, timeout=120,
                      json={"name": "campushub-small", "env": {"KERNEL_USERNAME": "kim"}})
    assert r.status_code == 500
    log = (root / "eg.log").read_text()
    assert "KernelPod: kernel launched" in log
    host, port = re.search(r"--RemoteProcessProxy.response-address', '([^']+)'", log).group(1).rsplit(":", 1)
    idle = socket.create_connection((host, int(port)))  # EG's own ResponseManager would wait on it for ever
    idle.settimeout(1)  # each poll's recv
    try:
        wait_for(lambda: idle.recv(1) == b"", 60, "EG closes a connection that sends nothing")
    finally:
        idle.close()
