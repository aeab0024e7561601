"""A learner's real Jupyter server for the analytics extension's tests: the
shared user environment's own python and jupyter_server (the versions
learners run), the extension laid as singleuser/files.py lays it, running
as the unprivileged user `nobody` in a home of its own, with a real
kernel; and a websocket client that runs cells as JupyterLab does
(execute_request with metadata.cellId), in either websocket protocol."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests
import websocket
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1

from campushub.deploy.local.userenv import env_dir_for, is_complete
from campushub.singleuser.files import SITE_PACKAGES, server_files

from ..harness import ROOT, free_port, wait_for
from .conftest import stop_server

ENV = env_dir_for("/usr/bin/python3", Path("/opt/campushub/envs"), ROOT / "campushub" / "singleuser" /
                  "environment.lock")
USER = "nobody"
TOKEN = "server-login-token"
API_TOKEN = "hub-api-token-of-this-server"
V1 = "v1.kernel.websocket.jupyter.org"
OFF = ("jupyterlab", "notebook", "jupyter_lsp", "jupyter_server_terminals", "notebook_shim", "jupyter_resource_usage",
       "jupyter_server_proxy", "nbgitpuller", "jupyterhub", "campushub_assignments",
       "nbgrader.server_extensions.assignment_list", "nbgrader.server_extensions.course_list",
       "nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.validate_assignment")


def user_env() -> Path:
    if os.geteuid() != 0:
        pytest.skip("runs the server as another unix user")
    if not is_complete(ENV):
        pytest.skip(f"the shared user environment {ENV} is not built (tests/deploy/local/test_userenv.py builds it)")
    return ENV


def notebook(cells: list[str]) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "id": c, "metadata": {}, "source": "pass", "outputs": [],
                                  "execution_count": None} for c in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


class Learner:
    def __init__(self, receiver_url: str | None, courses: list[dict], enabled: bool = True):
        user_env()
        self.entry = pwd.getpwnam(USER)
        # under /tmp, not pytest's 0700 tmp_path, so that nobody can reach it
        self.work = Path(tempfile.mkdtemp(prefix="campushub-analytics-"))
        os.chmod(self.work, 0o755)
        self.home, self.site, self.config = self.work / "home", self.work / "site", self.work / "config"
        for d in (self.home, self.site, self.config):
            d.mkdir()
        for path, text in server_files().items():
            if path.startswith(SITE_PACKAGES + "campushub_analytics/"):
                target = self.site / path.removeprefix(SITE_PACKAGES)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        (self.config / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
            "campushub_analytics": enabled, **dict.fromkeys(OFF, False)}}}))
        self.receiver_url, self.courses = receiver_url, courses
        self.spool = self.home / ".local" / "share" / "campushub" / "analytics"
        self.log = self.work / "server.log"
        self.process = None
        self.url = None
        self.outputs = []  # what cells printed, as the client saw it

    def write(self, relative: str, text: str) -> Path:
        path = self.home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.own()
        return path

    def own(self) -> None:
        # the config folder too: jupyter_core writes its `migrated` marker there once ~/.ipython exists
        for path in [self.home, *self.home.rglob("*"), self.config, *self.config.rglob("*")]:
            os.lchown(path, self.entry.pw_uid, self.entry.pw_gid)

    def start(self, flush_s: float = 0.3) -> None:
        self.own()
        port = free_port()
        env = {"PATH": f"{ENV}/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.home), "USER": USER,
               "PYTHONPATH": str(self.site), "JUPYTER_CONFIG_DIR": str(self.config),
               "JUPYTER_RUNTIME_DIR": str(self.home / ".runtime"), "JUPYTER_DATA_DIR": str(self.home / ".data"),
               "JUPYTERHUB_API_TOKEN": API_TOKEN, "CAMPUSHUB_COURSES": json.dumps(self.courses),
               "CAMPUSHUB_ANALYTICS_FLUSH_S": str(flush_s)}
        if self.receiver_url:
            env["CAMPUSHUB_ANALYTICS_URL"] = self.receiver_url
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(ENV / "bin" / "python"), "-m", "jupyter_server", f"--port={port}", "--ip=127.0.0.1",
                 "--no-browser", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={self.home}"],
                env=env, cwd=self.home, stdout=log, stderr=subprocess.STDOUT, user=self.entry.pw_uid,
                group=self.entry.pw_gid, extra_groups=[])
        self.url = f"http://127.0.0.1:{port}/"
        wait_for(lambda: self._up(), 90, "the learner's Jupyter server")

    def _up(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail("the server exited: " + self.log.read_text()[-3000:])
        return requests.get(self.url + "api/status", headers=self._auth(), timeout=5).ok

    def _auth(self) -> dict:
        return {"Authorization": f"token {TOKEN}"}

    def stop(self) -> None:
        """SIGTERM, as the hub stops a server: the extension sends what it has on the way out."""
        if self.process is not None:
            stop_server(self.process)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def session(self, path: str) -> str:
        """Open `path` as JupyterLab does (a session with a new kernel); the kernel's id."""
        r = requests.post(self.url + "api/sessions", headers=self._auth(), timeout=60,
                          json={"path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}})
        assert r.status_code == 201, r.text
        return r.json()["kernel"]["id"]

    def run(self, kernel_id: str, cells: list[tuple[str, str]], protocol: str = "json",
            wait: bool = True) -> dict[str, str]:
        """Send every cell at once (as Run All does); {cell id: the reply's status}
        (or nothing, closing the websocket at once, without `wait`)."""
        ws = websocket.create_connection(
            self.url.replace("http", "ws") + f"api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}",
            header=[f"Authorization: token {TOKEN}"], subprotocols=[V1] if protocol == "v1" else None, timeout=60)
        try:
            assert (ws.subprotocol == V1) == (protocol == "v1"), ws.subprotocol
            sent = {}
            for cell, code in cells:
                msg_id = uuid.uuid4().hex
                sent[msg_id] = cell
                ws.send(*_request(msg_id, cell, code, protocol))
            replies = {}
            if not wait:
                return replies
            deadline = time.monotonic() + 120
            while len(replies) < len(sent):
                assert time.monotonic() < deadline, f"no reply to every cell: {replies}"
                channel, header, parent, content = _parse(ws.recv())
                if header["msg_type"] == "stream":
                    self.outputs.append(content["text"])
                if channel == "shell" and header["msg_type"] == "execute_reply" and parent.get("msg_id") in sent:
                    replies[sent[parent["msg_id"]]] = content["status"]
            return replies
        finally:
            ws.close()

    def spooled(self) -> str:
        """Everything in the spool folder, as text."""
        if not self.spool.exists():
            return ""
        return "".join(p.read_text(errors="replace") for p in sorted(self.spool.iterdir()) if p.is_file())

    def batches(self) -> list[Path]:
        return sorted(self.spool.glob("batch-*")) if self.spool.exists() else []


def _request(msg_id: str, cell: str, code: str, protocol: str):
    header = {"msg_id": msg_id, "msg_type": "execute_request", "session": "lab", "username": "", "version": "5.3",
              "date": "2026-12-01T03:30:00.000Z"}
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False,
               "stop_on_error": True}
    metadata = {"cellId": cell, "deletedCells": [], "recordTiming": False}
    if protocol == "v1":
        parts = [json.dumps(p).encode() for p in (header, {}, metadata, content)]
        return serialize_msg_to_ws_v1(parts, "shell"), websocket.ABNF.OPCODE_BINARY
    return json.dumps({"header": header, "parent_header": {}, "metadata": metadata, "content": content,
                       "channel": "shell", "buffers": []}), websocket.ABNF.OPCODE_TEXT


def _parse(frame):
    if isinstance(frame, bytes):
        channel, parts = deserialize_msg_from_ws_v1(frame)
        header, parent, _, content = (json.loads(p) for p in parts[:4])
        return channel, header, parent, content
    msg = json.loads(frame)
    return msg.get("channel"), msg["header"], msg["parent_header"], msg["content"]
