"""Our kernel-pod template rendered as Enterprise Gateway 3.2.3 renders it,
without a cluster (none is stood up: the pod is checked with
kubernetes-validate, as the other manifests are). The stack test
test_gateway_config_real_eg.py checks this stand-in against EG's own
launch_kubernetes.py.

What EG does, from its sources (jupyter-server/enterprise_gateway v3.2.3):
- KernelsHandler.post keeps only KERNEL_* (and EG_CLIENT_ENVS, empty for us)
  from the request's env; the process proxy adds KERNEL_ID, KERNEL_LANGUAGE,
  and KubernetesProcessProxy KERNEL_POD_NAME (rendered as a template with
  kernel_id, then made a DNS name), KERNEL_NAMESPACE,
  KERNEL_SERVICE_ACCOUNT_NAME, KERNEL_IMAGE, KERNEL_UID/GID;
- etc/kernel-launchers/kubernetes/scripts/launch_kubernetes.py sets a few
  more (KERNEL_NAME, KERNEL_SPARK_CONTEXT_INIT_MODE), makes each
  KERNEL_* a keyword (name lower-cased, value yaml.safe_load-ed), renders
  kernel-pod.yaml.j2 with Environment(trim_blocks, lstrip_blocks,
  autoescape=select_autoescape(disabled_extensions=("j2", "yaml"), ...)),
  and adds its whole environment to the first container's env
  (extend_pod_env) before creating the pod.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml
from jinja2 import BaseLoader, DictLoader, Environment, select_autoescape

from campushub.deploy.kubernetes.render.gateway import TEMPLATE, template
from campushub.deploy.local.remote_kernels.venv import LOCK

KERNEL_ID = "3f0c1d2e-1111-4222-8333-444455556666"


def launcher_env(front_env: dict[str, str], kernel_id: str = KERNEL_ID, response_address: str = "10.1.2.3:8877",
                 public_key: str = "TUlJQklq") -> dict[str, str]:
    """The launcher's environment for a start whose request carried front_env; EG's response
    address and public key as its ResponseManager gives them."""
    env = {k: v for k, v in front_env.items() if k.startswith("KERNEL_")}
    env.update(KERNEL_ID=kernel_id, KERNEL_LANGUAGE="python", KERNEL_GATEWAY="1",
               PORT_RANGE="0..0", RESPONSE_ADDRESS=response_address, PUBLIC_KEY=public_key,
               KERNEL_NAME="python_kubernetes", KERNEL_SPARK_CONTEXT_INIT_MODE="none")
    name = env.get("KERNEL_POD_NAME")
    if name and "{{" in name:
        name = Environment(loader=BaseLoader(), autoescape=True).from_string(name).render(kernel_id=kernel_id)
    name = re.sub("[^0-9a-z]+", "-", (name or f"{env['KERNEL_USERNAME']}-{kernel_id}").lower()).strip("-")
    env["KERNEL_POD_NAME"] = name
    return env


def render_pod(front_env: dict[str, str], kernel_id: str = KERNEL_ID, **response) -> dict:
    env = launcher_env(front_env, kernel_id, **response)
    keywords = {k.lower(): yaml.safe_load(v) for k, v in env.items() if k.startswith("KERNEL_")}
    jinja = Environment(loader=DictLoader({TEMPLATE: template()}), trim_blocks=True, lstrip_blocks=True,
                        autoescape=select_autoescape(disabled_extensions=("j2", "yaml"),
                                                     default_for_string=True, default=True))
    pod = yaml.safe_load(jinja.get_template(TEMPLATE).render(**keywords))
    container = pod["spec"]["containers"][0]
    stanza = container.get("env") or []
    for item in stanza:
        if item["name"] in env:
            item["value"] = env[item["name"]]
    names = {item["name"] for item in stanza}
    container["env"] = stanza + [{"name": k, "value": v} for k, v in env.items() if k not in names]
    return pod


def eg_launcher(path: str, target: Path, download_dir: Path) -> Path:
    """One file of EG's kernel launchers (path under etc/kernel-launchers/), of the version
    gateway.lock pins, written to target: EG's wheel leaves them out, its sdist on PyPI holds
    them, as its images do (/usr/local/bin/kernel-launchers, kernelspecs' scripts/)."""
    pin = next(line.split(" ")[0] for line in LOCK.read_text().splitlines()
               if line.startswith("jupyter_enterprise_gateway=="))
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    pin, "-d", str(download_dir)], check=True)
    (archive,) = download_dir.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(f"etc/kernel-launchers/{path}"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(tar.extractfile(member).read())
    return target
