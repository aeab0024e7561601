"""Each user's server and kernels run as their own unix account, in their own cgroup."""

import os
import pwd
import stat

from ....conftest import spawn
from ....harness import run_code
from .paths import PREFIX


def test_server_and_kernel_run_as_the_user_not_root(hub, alice):
    spawn(hub, alice)
    token = hub.user_token("alice")
    out = run_code(hub, "alice", token, "import os, getpass; print(os.getuid(), os.getppid(), getpass.getuser())")
    uid, ppid, name = out["stream"].split()
    assert name == PREFIX + "alice"
    assert int(uid) == pwd.getpwnam(name).pw_uid != 0
    # the kernel's parent is the user's jupyter server, which runs as the user too
    assert os.stat(f"/proc/{ppid}").st_uid == int(uid)


def test_home_is_private_and_others_cannot_read_it(hub, alice, bob):
    spawn(hub, alice)
    spawn(hub, bob)
    a, b = pwd.getpwnam(PREFIX + "alice"), pwd.getpwnam(PREFIX + "bob")
    for home in (a, b):
        assert stat.S_IMODE(os.stat(home.pw_dir).st_mode) == 0o700
        assert os.stat(home.pw_dir).st_uid == home.pw_uid
    ta, tb = hub.user_token("alice"), hub.user_token("bob")
    run_code(hub, "alice", ta, "open('secret.txt', 'w').write('alice only')")
    out = run_code(hub, "bob", tb, f"open({a.pw_dir + '/secret.txt'!r}).read()")
    assert out["error"] == "PermissionError", out
    # and bob cannot use alice's server with his own token
    import requests

    r = requests.get(f"{hub.url}/user/alice/api/kernels", headers={"Authorization": f"token {tb}"}, timeout=30)
    assert r.status_code == 403


def test_server_listens_on_loopback_only(hub, alice):
    spawn(hub, alice)
    model = hub.api("GET", "users/alice").json()
    # the hub records where the proxy should send alice's traffic
    routes = hub.api("GET", "proxy").json()
    target = routes["/user/alice/"]["target"]
    assert target.startswith("http://127.0.0.1:"), target
    assert model["servers"][""]["ready"]


def test_cgroup_limits_apply_to_the_kernel(hub, alice):
    spawn(hub, alice)
    token = hub.user_token("alice")
    out = run_code(hub, "alice", token, "print(open('/proc/self/cgroup').read())")
    assert f"campushub/{PREFIX}alice" in out["stream"], out
    cg = _cgroup_dir("memory", PREFIX + "alice")
    limit = _read_limit(cg)
    assert limit == 512 * 1024**2


def _cgroup_dir(controller: str, name: str) -> str:
    v1 = f"/sys/fs/cgroup/{controller}/campushub/{name}"
    return v1 if os.path.isdir(v1) else f"/sys/fs/cgroup/campushub/{name}"


def _read_limit(cg: str) -> int:
    for f in ("memory.limit_in_bytes", "memory.max"):
        p = os.path.join(cg, f)
        if os.path.exists(p):
            return int(open(p).read())
    raise AssertionError(f"no memory limit file in {cg}")
