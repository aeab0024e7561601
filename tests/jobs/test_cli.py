"""The jobs client (`campushub run`/`campushub jobs`, singleuser/jobs_cli.py) without a service:
paths typed in a terminal become home-relative, a terminal without the service's address says so in
one line, and the user environment gets an executable `campushub` (both deployments). The client
against a real service and hub: test_service_stack.py."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys

from campushub.deploy.kubernetes.render.dockerfiles import user_dockerfile
from campushub.deploy.local.singleuser_files import ensure_singleuser_files
from campushub.singleuser import jobs_cli


def test_paths_typed_in_a_terminal_are_made_relative_to_the_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    monkeypatch.chdir(home / "work")
    monkeypatch.setenv("PWD", str(home / "work"))
    assert jobs_cli.home_path("train.ipynb", str(home)) == "work/train.ipynb"
    assert jobs_cli.home_path("../a.ipynb", str(home)) == "a.ipynb"
    assert jobs_cli.home_path("/etc/x.ipynb", str(home)) == "/etc/x.ipynb"  # the service refuses it
    assert jobs_cli.home_path("sub/x.ipynb", None) == "sub/x.ipynb"  # an operator's: as given


def test_without_the_service_one_line_and_status_1(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("CAMPUSHUB_JOBS_URL", "JUPYTERHUB_API_TOKEN")}
    done = subprocess.run([sys.executable, "-I", "-m", "campushub.singleuser.jobs_cli", "run", "a.ipynb"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "CAMPUSHUB_JOBS_URL" in done.stderr


def test_the_user_environment_gets_an_executable_campushub(tmp_path):
    env = tmp_path / "env"
    (env / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    ensure_singleuser_files(env)
    command = env / "bin" / "campushub"
    assert stat.S_IMODE(command.stat().st_mode) == 0o755
    assert (env / "lib" / "python3.11" / "site-packages" / "campushub_jobs_cli.py").read_text() == \
        open(jobs_cli.__file__).read()
    os.chmod(command, 0o644)
    ensure_singleuser_files(env)  # an install that lost the bit gets it back
    assert stat.S_IMODE(command.stat().st_mode) == 0o755
    assert "chmod 755 /opt/campushub/env/bin/campushub" in user_dockerfile("b", "e", "v", "l", "f",
                                                                          "site-packages", False)


def test_a_learners_exception_text_cannot_drive_an_operators_terminal():
    # the record as the service kept it before one_line() dropped control characters (attack review F3)
    record = {"id": "j20261201150000-abcdef", "owner": "eve", "state": "failed", "notebook": "esc\x1b[8m.ipynb",
              "parameters": {"x": "\x1b]0;t\x07"}, "duration_s": 2.0, "peak_memory": 2**20, "failed_cell": 1,
              "error": "cell 1: ValueError: \x1b]0;OWNED\x07\x1b[2J\x1b[31mred\x9b"}
    line = jobs_cli._line(record, owner=True)
    assert "OWNED" in line and "eve" in line
    assert not any(c in line for c in "\x1b\x07\x9b")

    class Service:
        def call(self, method, path, body=None):
            return record

    args = jobs_cli.argparse.Namespace(cancel=False, id=record["id"], user=None, json=False)
    out = io.StringIO()
    assert jobs_cli.jobs(Service(), args, out=out) == 0  # the detail view: every field
    shown = out.getvalue()
    assert "OWNED" in shown and not any(c in shown for c in "\x1b\x07\x9b")
