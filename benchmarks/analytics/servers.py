"""The two Jupyter servers (extension on and off), their account, the notebook and the receiver.

Both servers are plain `python -m jupyter_server` of the same user
environment, as the same temporary unix account (Jupyter refuses root), with
the same environment variables, one token each. They differ in one line of
config: ServerApp.jpserver_extensions campushub_analytics True or False.
The extension is the tree's own: its files from singleuser/files.py
`server_files()` laid into a private folder on PYTHONPATH, so the benchmark
measures this checkout and never writes into the shared environment.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from campushub.singleuser.files import SITE_PACKAGES, server_files

from ..spawn.accounts import uid_of, useradd

PACKAGE = "campushub_analytics"
COURSE, NOTEBOOK, CELL = "ml101", "lesson1.ipynb", "benchcell-0001"
PATH = f"{COURSE}/{NOTEBOOK}"  # relative to the home, as the kernel's session names it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    """Poll with a deadline; give up at once if the process being waited for died."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {proc.returncode}")
        try:
            value = predicate()
            if value:
                return value
        except (OSError, requests.RequestException, ValueError) as e:
            last = e
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {timeout:g}s waiting for {what} (last error: {last!r})")


def lay_extension(workdir: Path) -> Path:
    """The extension's package from this tree into workdir/overlay (read-only for the account)."""
    files = {k.removeprefix(SITE_PACKAGES): v for k, v in server_files().items()
             if k.startswith(SITE_PACKAGES + PACKAGE + "/")}
    if not files:
        raise RuntimeError(f"campushub/singleuser/files.py lays no {PACKAGE} package: nothing to measure")
    overlay = workdir / "overlay"
    for relative, text in files.items():
        path = overlay / relative
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        path.write_text(text)
        path.chmod(0o644)
    return overlay


class Account:
    """A temporary unix account with the course notebook in its home."""

    def __init__(self, name: str):
        self.name = name
        useradd(name)
        self.uid = uid_of(name)
        entry = pwd.getpwnam(name)
        self.gid, self.home = entry.pw_gid, Path(entry.pw_dir)
        folder = self.home / COURSE
        folder.mkdir(exist_ok=True)
        cell = {"id": CELL, "cell_type": "code", "source": "pass", "metadata": {}, "outputs": [],
                "execution_count": None}
        (folder / NOTEBOOK).write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                   "nbformat_minor": 5}, indent=1))
        for path in (folder, folder / NOTEBOOK):
            os.chown(path, self.uid, self.gid)


@dataclass
class Server:
    label: str                       # "on" | "off"
    port: int
    token: str
    proc: subprocess.Popen
    log: Path
    headers: dict = field(init=False)

    def __post_init__(self):
        self.headers = {"Authorization": f"token {self.token}"}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def api(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, self.base + "api/" + path, headers=self.headers, timeout=30, **kw)

    def open_session(self) -> str:
        """A notebook session for the course notebook, as JupyterLab opens one: the kernel's id."""
        r = self.api("POST", "sessions", json={"path": PATH, "name": NOTEBOOK, "type": "notebook",
                                              "kernel": {"name": "python3"}})
        r.raise_for_status()
        return r.json()["kernel"]["id"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the kernels go too
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


def start_server(label: str, enabled: bool, account: Account, env_dir: Path, overlay: Path, workdir: Path,
                 receiver_url: str, flush_s: float | None) -> Server:
    config = workdir / f"config-{label}.py"
    config.write_text(f"c.ServerApp.jpserver_extensions = {{{PACKAGE!r}: {enabled}}}\n")
    config.chmod(0o644)
    token, port = secrets.token_hex(16), free_port()
    env = {
        "HOME": str(account.home), "USER": account.name, "LOGNAME": account.name, "SHELL": "/bin/bash",
        "PATH": f"{env_dir}/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(overlay),
        "JUPYTERHUB_API_TOKEN": token, "CAMPUSHUB_ANALYTICS_URL": receiver_url,
        "CAMPUSHUB_COURSES": json.dumps([{"name": COURSE, "title": "ML 101", "folder": COURSE, "link": ""}]),
    }
    if flush_s is not None:
        env["CAMPUSHUB_ANALYTICS_FLUSH_S"] = f"{flush_s:g}"
    log = workdir / f"server-{label}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(env_dir / "bin" / "python"), "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--ServerApp.open_browser=False",
             f"--ServerApp.root_dir={account.home}", f"--IdentityProvider.token={token}", f"--config={config}"],
            env=env, cwd=account.home, user=account.uid, group=account.gid, extra_groups=[],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(label, port, token, proc, log)
    wait_until(lambda: server.api("GET", "status").ok, 90, f"the {label} server on port {port}", proc)
    return server


def extension_loaded(server: Server) -> bool:
    """jupyter_server's own word, in its log, that it loaded the extension."""
    text = server.log.read_text(errors="replace")
    return f"{PACKAGE} | extension was successfully loaded" in text


def start_receiver(workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    root = Path(__file__).resolve().parents[2]
    log = open(workdir / "receiver.log", "wb")  # noqa: SIM115  (the child keeps it)
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.analytics.receiver", str(port)], cwd=root,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/services/analytics/"
    wait_until(lambda: requests.get(base + "counts", timeout=5).ok, 30, "the records receiver", proc)
    return proc, base


def receiver_counts(base: str) -> dict:
    return requests.get(base + "counts", timeout=10).json()
