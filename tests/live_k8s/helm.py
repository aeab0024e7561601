"""The helm and kubectl command lines of the live test, built apart from
running them so the fast test can check them without a cluster."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

CHART_REPO = "https://hub.jupyter.org/helm-chart/"
CHART = "jupyterhub"
CHART_VERSION = "4.4.0"
# A chart archive or directory instead of the repository, for a cluster
# machine without internet (`helm pull jupyterhub --repo ... --version 4.4.0`).
CHART_ENV = "CAMPUSHUB_K8S_CHART"
INSTALL_TIMEOUT = "15m"  # first pulls of the hub and user images on a fresh kind node


def chart_args(environ=os.environ) -> list[str]:
    local = environ.get(CHART_ENV)
    if local:
        return [local]
    return [CHART, "--repo", CHART_REPO, "--version", CHART_VERSION]


def install_command(release: str, namespace: str, values: list[Path], environ=os.environ) -> list[str]:
    """`helm upgrade --install` as the render README has the operator run it,
    plus --wait: the test goes on only once every pod of the release is ready."""
    files = [arg for path in values for arg in ("--values", str(path))]
    return ["helm", "upgrade", "--install", release, *chart_args(environ), "--namespace", namespace,
            *files, "--wait", "--timeout", INSTALL_TIMEOUT]


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
