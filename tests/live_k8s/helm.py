"""The helm and kubectl command lines of the live test, built apart from
running them so the fast test can check them without a cluster."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

# A chart archive or directory instead of the chart repository, for a
# cluster machine without internet
# (`helm pull jupyterhub --repo https://hub.jupyter.org/helm-chart/ --version 4.4.0`).
CHART_ENV = "CAMPUSHUB_K8S_CHART"
INSTALL_TIMEOUT = "15m"  # first pulls of the images on a fresh node


def install_command(config: dict, values: list[Path], environ=os.environ) -> list[str]:
    """The README's `helm upgrade --install` (render/readme.py), word for word,
    plus the test's own values file and --wait: the test goes on only once
    every pod of the release is ready."""
    from campushub.deploy.kubernetes.render.readme import helm_command

    args = shlex.split(helm_command(config, str(values[0])))
    local = environ.get(CHART_ENV)
    if local:
        for option in ("--repo", "--version"):
            at = args.index(option)
            del args[at:at + 2]
        args[args.index("jupyterhub")] = local
    for path in values[1:]:
        args += ["--values", str(path)]
    return args + ["--wait", "--timeout", INSTALL_TIMEOUT]


def uninstall_command(release: str, namespace: str) -> list[str]:
    return ["helm", "uninstall", release, "--namespace", namespace, "--wait", "--timeout", "5m"]


def port_forward_command(namespace: str, port: int) -> list[str]:
    # proxy-public is the chart's one public Service; its port is named http
    return ["kubectl", "port-forward", "--namespace", namespace, "svc/proxy-public", f"{port}:http",
            "--address", "127.0.0.1"]


def run(args: list[str], timeout: float = 1200) -> str:
    """Run a command; fail the test with its output when it fails."""
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout
