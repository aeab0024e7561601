"""The release's proxy-public Service on a local port, through
`kubectl port-forward`: it works on kind and k3s alike, where a
LoadBalancer address may never come (kind has no load balancer)."""

from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import requests

from ..harness import free_port, wait_for
from .helm import port_forward_command


@dataclass
class Forwarded:
    """Quacks like harness.Hub where harness.run_code and execute need it (url, port)."""

    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def forwarded(namespace: str, log: Path, timeout: float = 120):
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen(port_forward_command(namespace, port), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    hub = Forwarded(port)

    def answers() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"kubectl port-forward exited {proc.returncode}:\n{log.read_text()}")
        return requests.get(f"{hub.url}/hub/health", timeout=5).status_code == 200

    try:
        wait_for(answers, timeout, "the hub to answer through kubectl port-forward")
        yield hub
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
