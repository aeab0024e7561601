"""The fork server's security properties (docs/security.md), checked on real
servers of two real accounts: what a child holds, who it is, who can reach
the socket."""

from __future__ import annotations

import os
import subprocess

import pytest

from campushub.deploy.local.spawner import fork_client

from . import procfs


def test_a_child_holds_no_other_users_token_in_memory_environment_or_fds(pair, forkserver):
    a, b = pair["a"], pair["b"]
    listener = procfs.socket_inodes(forkserver.process.pid)
    assert listener  # the parent's listening socket, to look for in the children
    for mine, other in ((a, b), (b, a)):
        # the scan can find a token: the server's own is in its memory
        assert procfs.memory_contains(mine.pid, mine.token.encode())
        assert not procfs.memory_contains(mine.pid, other.token.encode())
        assert other.token not in str(procfs.environ(mine.pid))
        targets = procfs.fd_targets(mine.pid)
        assert not listener & set(targets.values())
        assert str(other.log) not in targets.values()
        assert str(forkserver.log) not in targets.values()  # the fork server's own log neither
        for target in targets.values():
            if target.startswith("/") and os.path.isfile(target):
                with open(target, "rb") as f:
                    assert other.token.encode() not in f.read(64 * 2**20), target
    # the parent never read a request: no token at all, in memory or environment
    for r in (a, b):
        assert not procfs.memory_contains(forkserver.process.pid, r.token.encode())
        assert r.token not in str(procfs.environ(forkserver.process.pid))


def test_uid_gid_groups_and_capabilities_are_the_users_only(pair):
    for r in pair.values():
        s = procfs.status(r.pid)
        uid, gid = r.account.pw_uid, r.account.pw_gid
        assert s["Uid"].split() == [str(uid)] * 4
        assert s["Gid"].split() == [str(gid)] * 4
        assert sorted(map(int, s["Groups"].split())) == r.request["groups"] == [gid]
        for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
            assert int(s[cap], 16) == 0, (cap, s[cap])
        assert s["NoNewPrivs"].strip() == "1"


CONNECT = """
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(type(e).__name__)
    raise SystemExit
# nothing sent: the child decides on the peer's credentials alone (and a
# request left unread would turn its answer into a connection reset)
print(s.makefile().read().strip())
"""


def _connect_as(account, forkserver) -> str:
    out = subprocess.run(["runuser", "-u", account.pw_name, "--", "/usr/bin/python3", "-c", CONNECT,
                          forkserver.socket], capture_output=True, text=True, timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_user_cannot_connect_to_the_socket(pair, forkserver):
    account = pair["a"].account
    assert os.stat(forkserver.directory).st_mode & 0o777 == 0o700
    assert os.stat(forkserver.socket).st_mode & 0o777 == 0o600
    assert _connect_as(account, forkserver) == "PermissionError"


def test_behind_the_directory_a_child_refuses_anyone_but_root(pair, forkserver):
    # as if the directory and socket were opened up by mistake: the child
    # checks SO_PEERCRED before reading anything and starts nothing
    account = pair["a"].account
    os.chmod(forkserver.directory, 0o711)
    os.chmod(forkserver.socket, 0o666)
    try:
        answer = _connect_as(account, forkserver)
    finally:
        os.chmod(forkserver.socket, 0o600)
        os.chmod(forkserver.directory, 0o700)
    assert answer == '{"error": "only root may use the fork server"}'
    assert fork_client.ping(forkserver.socket)


def test_a_server_is_never_started_as_root(forkserver, accounts, workdir):
    root = type("Root", (), {"pw_name": "root", "pw_uid": 0, "pw_gid": 0, "pw_dir": "/root"})
    from . import servers

    with pytest.raises(fork_client.ForkFailed) as e:
        servers.launch(forkserver, servers.request(forkserver, root), workdir / "root.log")
    assert str(e.value) == "the fork server does not start servers as root"
