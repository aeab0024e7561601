"""Start the service process by hand (not through `campushub up`), for tests
that need another database or setting than the session hub's service:
against no hub at all, or against the session hub with its service token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import requests

from ...harness import free_port, wait_for

COURSES = {"c1": {"learners_group": "c1-learners", "tutors_group": "c1-tutors"}}


@dataclass
class Service:
    proc: subprocess.Popen
    base: str
    log_path: Path
    env: dict

    def output(self) -> str:
        return self.log_path.read_text()

    def call(self, token: str | None, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"token {token}"
        return requests.request(method, self.base + path, headers=headers, timeout=120, **kwargs)

    def wait(self) -> None:
        # a list: a 403 Response is falsy
        wait_for(lambda: [requests.get(self.base + "api/assignments", timeout=5)], 60, "the service to answer")

    def restart(self) -> Service:
        self.stop()
        return start_process(self.env, self.log_path, self.base)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def start(tmp_path: Path, *, db_url: str | None = None, config: dict | None = None, hub: dict | None = None,
          assignments: dict | None = None) -> Service:
    """The service with a site config in tmp_path; ``hub``: {"api_url", "token"} of a real hub."""
    port = free_port()
    config_file = tmp_path / "effective-config.json"
    if config is None:
        config = {"data_dir": str(tmp_path / "data"), "courses": COURSES,
                  "assignments": {"max_notebook_size": "64K", **(assignments or {})}}
    config_file.write_text(json.dumps(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "CAMPUSHUB_"))}
    hub = hub or {"api_url": f"http://127.0.0.1:{free_port()}/hub/api", "token": "unused"}
    env.update({"CAMPUSHUB_CONFIG": str(config_file), "JUPYTERHUB_SERVICE_NAME": "assignments",
                "JUPYTERHUB_API_TOKEN": hub["token"], "JUPYTERHUB_API_URL": hub["api_url"],
                "JUPYTERHUB_SERVICE_PREFIX": "/services/assignments/", "JUPYTERHUB_CLIENT_ID": "service-assignments",
                "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}",
                "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps(["access:services!service=assignments",
                                                              "access:services"]),
                "JUPYTERHUB_OAUTH_CALLBACK_URL": "/services/assignments/oauth_callback"})
    if db_url:
        env["CAMPUSHUB_ASSIGNMENTS_DB_URL"] = db_url
    return start_process(env, tmp_path / "service.log", f"http://127.0.0.1:{port}/services/assignments/")


def start_process(env: dict, log_path: Path, base: str) -> Service:
    with open(log_path, "a") as log:
        proc = subprocess.Popen([sys.executable, "-m", "campushub.assignments.service"], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    return Service(proc, base, log_path, env)
