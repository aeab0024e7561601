"""The hub's fork_client and the wire format on their own: no fork server,
no accounts (the fast tier)."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import threading

import pytest

from campushub.deploy.local import pids
from campushub.deploy.local.forkserver import protocol
from campushub.deploy.local.forkserver.request import SERVER, check_spawn
from campushub.deploy.local.spawner import fork_client

ENV = "/opt/campushub/envs/py3.11-0123456789ab"


def test_paths_and_wanted_marker(tmp_path):
    assert fork_client.socket_path(str(tmp_path), ENV + "/") == f"{tmp_path}/py3.11-0123456789ab.sock"
    assert fork_client.exits_dir(str(tmp_path), ENV) == f"{tmp_path}/py3.11-0123456789ab.exits"
    fork_client.want(str(tmp_path), ENV)
    assert (tmp_path / "wanted" / "py3.11-0123456789ab").read_text() == ENV
    assert os.stat(tmp_path / "wanted").st_mode & 0o777 == 0o700
    assert os.listdir(tmp_path / "wanted") == ["py3.11-0123456789ab"]  # no temp file left


def test_package_files_are_the_stdlib_only_package():
    files = fork_client.package_files()
    assert {"campushub_forkserver/__main__.py", "campushub_forkserver/child.py",
            "campushub_forkserver/mounts.py"} <= set(files)
    stdlib = sys.stdlib_module_names | {"__future__"}
    for path, text in files.items():
        # at module level: the env's own packages are imported inside functions, best effort
        for node in ast.parse(text).body:
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            assert all(n.split(".")[0] in stdlib for n in names), (path, names)


def test_exit_records_are_read_once(tmp_path):
    (tmp_path / "123").write_text("-9\n")
    assert fork_client.exit_status(str(tmp_path), 123) == -9
    assert fork_client.exit_status(str(tmp_path), 123) is None
    (tmp_path / "124").write_text("garbage")
    assert fork_client.exit_status(str(tmp_path), 124) is None


def test_pid_alive_follows_the_process_not_the_number():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = pids.start_time(proc.pid)
    try:
        assert fork_client.pid_alive(proc.pid, started)
        assert not fork_client.pid_alive(proc.pid, started + 1)
    finally:
        proc.kill()
        proc.wait()
    assert not fork_client.pid_alive(proc.pid, started)


def test_a_request_and_its_log_fd_cross_one_connection(tmp_path):
    ours, theirs = socket.socketpair()
    log = os.open(tmp_path / "log", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        request = {"op": "spawn", "env": {"A": "é" * 50000}}  # more than one recv
        sender = threading.Thread(target=protocol.send_request, args=(ours, request, [log]))
        sender.start()
        fds: list[int] = []
        assert protocol.read_request(theirs, fds) == request
        sender.join()
        assert len(fds) == 1 and os.path.samestat(os.fstat(fds[0]), os.fstat(log))
        os.close(fds[0])
        ours.sendall(b"\x7f\xff\xff\xff")
        with pytest.raises(protocol.ProtocolError, match="larger than"):
            protocol.read_request(theirs, [])
    finally:
        os.close(log)
        ours.close()
        theirs.close()


def _spawn(**changes) -> dict:
    return {"argv": [SERVER], "env": {"HOME": "/home/x"}, "uid": 1000, "gid": 1000, **changes}


def test_requests_are_checked():
    assert check_spawn(_spawn())["umask"] == 0o022
    for changes, message in [
        ({"argv": ["/bin/sh"]}, "argv[0] must be"),
        ({"argv": []}, "argv must be"),
        ({"uid": 0}, "does not start servers as root"),
        ({"gid": 0}, "does not start servers as root"),
        ({"groups": [1000, 0]}, "groups must be"),
        ({"uid": True}, "uid must be"),
        ({"env": {"A=B": "x"}}, "env names"),
        ({"env": {"A": 1}}, "env must be"),
        ({"umask": 0o1000}, "umask must be at most"),
        ({"tmp_options": 5}, "tmp_options must be"),
        ({"kernel_zygote": "yes"}, "kernel_zygote must be"),
    ]:
        with pytest.raises(protocol.ProtocolError, match=message.replace("[", r"\[")):
            check_spawn(_spawn(**changes))
