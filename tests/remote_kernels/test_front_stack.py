"""The remote-kernels front on a real hub with a real Enterprise Gateway
(site.py): a kernel runs as the person whose hub token asked, whatever
KERNEL_USERNAME the client sent; nobody else can list, read, interrupt,
restart, delete or connect to it; no token, a stranger's token or a service's
gets nothing; only allowed profiles start; EG itself refuses anyone without its
token; a kernel EG culled says so in the person's language."""

from __future__ import annotations

import json
import os
import pwd
import signal
import subprocess
import uuid

import pytest
import requests
import websocket

from campushub.deploy.local import pids
from campushub.deploy.local.spawner.unix_users import unix_name

from ..harness import TEST_PREFIX, campushub, wait_for
from .site import remote_kernels_site

# the hub and EG start in site.py, where tests/tiers.py does not look
pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with remote_kernels_site(tmp_path_factory.mktemp("remote-kernels")) as s:
        yield s


@pytest.fixture(scope="module")
def alices(site):
    """Alice's kernel, started with a forged identity and a forged id in its env."""
    forged_id = str(uuid.uuid4())
    kernel_id = site.start("alice", env={"KERNEL_USERNAME": "bob", "KERNEL_ID": forged_id,
                                         "KERNEL_CAMPUSHUB_PROJECTS": "p-bob", "KERNEL_UID": "0"})
    assert kernel_id != forged_id
    return kernel_id


def uid(name: str) -> int:
    return pwd.getpwnam(unix_name(name, TEST_PREFIX)).pw_uid


def test_a_kernel_runs_as_the_token_s_owner_whatever_username_was_sent(site, alices):
    out = site.execute("alice", alices, "import os; print(os.getuid(), os.getgid(), *os.getgroups())").split()
    gid = pwd.getpwnam(unix_name("alice", TEST_PREFIX)).pw_gid
    assert out[:2] == [str(uid("alice")), str(gid)] and set(out[2:]) <= {str(gid)}
    assert uid("alice") != uid("bob")
    assert site.execute("alice", alices, "x = 41; print(x + 1)").strip() == "42"


def test_another_person_cannot_reach_it(site, alices):
    mine = site.call("alice", "GET", "api/kernels")
    assert mine.status_code == 200 and [k["id"] for k in mine.json()] == [alices]
    assert site.call("bob", "GET", "api/kernels").json() == []
    for method, path in [("GET", f"api/kernels/{alices}"), ("DELETE", f"api/kernels/{alices}"),
                         ("POST", f"api/kernels/{alices}/interrupt"), ("POST", f"api/kernels/{alices}/restart"),
                         ("GET", f"api/campushub/culled/{alices}")]:
        r = site.call("bob", method, path)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json() == {"message": "There is no such kernel."}
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        site.channels("bob", alices)
    assert refused.value.status_code == 404
    # untouched: still running, still hers, its variable kept
    assert site.execute("alice", alices, "print(x)").strip() == "41"
    assert site.call("alice", "GET", f"api/kernels/{alices}").json()["id"] == alices


LISTEN = """
import sys, time, zmq
sub = zmq.Context().socket(zmq.SUB)
sub.setsockopt(zmq.SUBSCRIBE, b"")
sub.connect(sys.argv[1])
print("ready", flush=True)
got, deadline = 0, time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    if sub.poll(200):
        got += len(sub.recv_multipart())
print(got, flush=True)
"""


def test_another_account_cannot_listen_to_the_kernel_s_output(site, alices):
    """The kernel's own sockets: bob's account (his server or kernel could run this) subscribes to the iopub channel
    of alice's kernel, found as anyone finds a local port, while she prints; a kernel reachable this way would hand
    him her outputs without its key (ZMQ messages are signed, not encrypted)."""
    # not the key: the listener is not given it (an attacker has none)
    info = json.loads(site.execute("alice", alices, "import json, sys; from ipykernel.connect import "
                                   "get_connection_info as i; c = i(unpack=True); print(json.dumps([{k: c[k] for k in "
                                   "('transport', 'ip', 'iopub_port')}, sys.executable]))"))
    connection, python = info
    ip, port = connection["ip"], connection["iopub_port"]
    endpoint = f"tcp://{ip}:{port}" if connection["transport"] == "tcp" else f"ipc://{ip}-{port}"
    bob = pwd.getpwnam(unix_name("bob", TEST_PREFIX))
    listener = subprocess.Popen([python, "-I", "-c", LISTEN, endpoint, "20"], user=bob.pw_uid, group=bob.pw_gid,
                                extra_groups=[], env={"HOME": bob.pw_dir, "PATH": "/usr/bin:/bin"}, cwd=bob.pw_dir,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert listener.stdout.readline().strip() == "ready", listener.stderr.read()
        out = site.execute("alice", alices, "import time\nfor i in range(20):\n    print('secret', i)\n"
                                            "    time.sleep(0.25)")
        assert out.count("secret") == 20
        heard = listener.stdout.readline().strip()
    finally:
        listener.kill()
        listener.wait()
    assert heard == "0", f"bob's account read {heard} messages of alice's kernel at {endpoint}"


def test_a_restarted_front_still_knows_whose_kernel_it_is(site, alices):
    pid_file = site.layout.pid_file("remote-kernels")
    before = pids.read(pid_file)
    os.kill(before, signal.SIGKILL)
    wait_for(lambda: pids.read(pid_file) not in (None, before), 60, "campushub up to start the front again")
    wait_for(lambda: site.call("alice", "GET", "api/kernels").status_code == 200, 60, "the new front to answer")
    assert [k["id"] for k in site.call("alice", "GET", "api/kernels").json()] == [alices]
    assert site.call("bob", "GET", f"api/kernels/{alices}").status_code == 404
    assert site.execute("alice", alices, "print(x)").strip() == "41"
    status = json.loads(campushub("status", "--data-dir", str(site.hub.data_dir), "--json").stdout)
    assert status["remote-kernels"] is True
    assert status["ports"]["remote-kernels"] == site.config["remote_kernels"]["port"]


def test_its_metrics_count_kernels_for_a_metrics_token_only(site, alices):
    r = requests.get(site.front + "metrics", headers={"Authorization": f"token {site.hub.api_token}"}, timeout=30)
    assert r.status_code == 200
    assert 'campushub_remote_kernels{kernelspec="campushub-small"}' in r.text
    assert requests.get(site.front + "metrics", headers={"Authorization": f"token {site.tokens['alice']}"},
                        timeout=30).status_code == 403


def test_the_owner_interrupts_and_restarts_it(site):
    kernel_id = site.start("bob")
    assert site.call("bob", "POST", f"api/kernels/{kernel_id}/interrupt").status_code == 204
    assert site.execute("bob", kernel_id, "y = 1; print(y)").strip() == "1"
    assert site.call("bob", "POST", f"api/kernels/{kernel_id}/restart").status_code == 200
    out = site.execute("bob", kernel_id, "import os; print('y' in dir(), os.getuid())").split()
    assert out == ["False", str(uid("bob"))]  # a fresh kernel, still bob's
    assert site.call("bob", "DELETE", f"api/kernels/{kernel_id}").status_code == 204
    assert site.call("bob", "GET", f"api/kernels/{kernel_id}").status_code == 404
    gone = site.call("bob", "GET", f"api/campushub/culled/{kernel_id}").json()
    assert gone["culled"] is False and gone["state"] == "deleted" and gone["message"] is None


def test_a_person_runs_at_most_max_kernels_per_person(site, alices):
    more = [site.start("alice"), site.start("alice")]  # with hers: 3, the site's limit
    try:
        r = site.call("alice", "POST", "api/kernels", json={"name": "campushub-small"},
                      headers={"Accept-Language": "ru"})
        assert r.status_code == 403
        assert r.json()["message"] == ("У вас запущено удалённых ядер: 3, это предел; остановите одно, прежде чем "
                                       "запускать другое.")
        assert sorted(k["id"] for k in site.call("alice", "GET", "api/kernels").json()) == sorted([alices, *more])
        assert site.call("bob", "POST", "api/kernels", json={"name": "campushub-small"}).status_code == 201
        assert site.call("alice", "DELETE", f"api/kernels/{more.pop()}").status_code == 204
        more.append(site.start("alice"))  # room again
    finally:
        for kernel_id in more:
            site.call("alice", "DELETE", f"api/kernels/{kernel_id}")
        for kernel in site.call("bob", "GET", "api/kernels").json():
            site.call("bob", "DELETE", f"api/kernels/{kernel['id']}")


@pytest.mark.parametrize("who", [None, "not-a-token", "service"])
def test_no_token_or_a_wrong_one_gets_nothing(site, alices, who):
    before = site.eg_kernels()
    if who == "service":  # a hub service's token: services start no kernels
        who = (site.hub.data_dir / "remote-kernels-api-token").read_text().strip()
    for method, path in [("GET", "api/kernels"), ("GET", "api/kernelspecs"), ("GET", f"api/kernels/{alices}"),
                         ("POST", "api/kernels")]:
        r = site.call(who, method, path, json={"name": "campushub-small"} if method == "POST" else None)
        assert r.status_code == 403, (who, path, r.text)
        assert "Traceback" not in r.text and alices not in r.text
    assert site.eg_kernels() == before  # nothing started or stopped


def test_a_token_without_the_service_s_scope_is_refused(site):
    r = site.hub.api("POST", "users/alice/tokens", json={"note": "narrow", "scopes": ["read:users:name!user"],
                                                         "expires_in": 600})
    assert r.status_code == 201, r.text
    narrow = r.json()["token"]
    assert site.call(narrow, "GET", "api/kernels").status_code == 403


def test_only_allowed_profiles_are_listed_and_started(site):
    specs = site.call("alice", "GET", "api/kernelspecs").json()
    assert sorted(specs["kernelspecs"]) == ["campushub-small"] and specs["default"] == "campushub-small"
    # what only the gateway needs stays there: the launcher's command line (the site's paths), the process proxy
    small = site.call("alice", "GET", "api/kernelspecs/campushub-small").json()
    for spec in (specs["kernelspecs"]["campushub-small"]["spec"], small["spec"]):
        assert spec["argv"] == [] and "process_proxy" not in spec.get("metadata", {})
        assert spec["display_name"] == "Small"
    assert site.call("alice", "GET", "kernelspecs/campushub-small/kernel.json").status_code == 404
    assert site.call("alice", "GET", "api/kernelspecs/campushub-staff").status_code == 404
    for name in ("campushub-staff", "campushub-gpu", "python3"):
        r = site.call("alice", "POST", "api/kernels", json={"name": name})
        assert r.status_code == 403, r.text
        assert r.json()["message"] == f"The kernel {name} is not available to you. Choose one of: campushub-small."
    ja = site.call("alice", "POST", "api/kernels", json={"name": "campushub-gpu"},
                   headers={"Accept-Language": "ja"}).json()["message"]
    assert ja == "カーネル campushub-gpu はあなたには利用できません。次のいずれかを選んでください: campushub-small。"
    # outside remote_kernels.groups: nothing at all
    r = site.call("carol", "GET", "api/kernelspecs")
    assert r.status_code == 403 and "not available to you" in r.json()["message"]
    assert site.call("carol", "POST", "api/kernels", json={"name": "campushub-small"}).status_code == 403


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"name": 3}', b"{}"])
def test_a_bad_start_request_is_one_line_and_starts_nothing(site, body):
    before = site.eg_kernels()
    r = site.call("bob", "POST", "api/kernels", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["message"].startswith("The request body must be a JSON object")
    assert site.eg_kernels() == before


def test_the_gateway_itself_refuses_requests_without_its_token(site, alices):
    before = site.eg_kernels()
    hers = site.tokens["alice"]
    for headers in ({}, {"Authorization": f"token {hers}"}, {"Authorization": "token wrong"}):
        for method, path in [("GET", "/api/kernels"), ("GET", "/api/kernelspecs"), ("GET", f"/api/kernels/{alices}"),
                             ("POST", "/api/kernels")]:
            r = requests.request(method, site.gateway + path, headers=headers, timeout=30,
                                 json={"name": "campushub-small", "env": {"KERNEL_USERNAME": "bob"}}
                                 if method == "POST" else None)
            assert r.status_code == 401, (headers, path, r.status_code)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(site.gateway.replace("http", "ws") + f"/api/kernels/{alices}/channels",
                                    header=[f"Authorization: token {hers}"], timeout=30)
    assert refused.value.status_code == 401
    assert site.eg_kernels() == before  # nothing started, nothing stopped


def test_a_culled_kernel_says_so_in_the_person_s_language(site):
    kernel_id = site.start("bob")
    running = site.call("bob", "GET", f"api/campushub/culled/{kernel_id}").json()
    assert running == {"culled": False, "state": "running", "idle_minutes": 1, "profile": "campushub-small",
                       "message": None}
    # EG culls it after a minute without activity (remote_kernels.cull_idle_minutes: 1)
    wait_for(lambda: site.call("bob", "GET", f"api/kernels/{kernel_id}").status_code == 404, 240,
             "the gateway to cull the idle kernel")
    answer = site.call("bob", "GET", f"api/campushub/culled/{kernel_id}", headers={"Accept-Language": "ja"}).json()
    assert answer["culled"] is True and answer["state"] == "culled" and answer["idle_minutes"] == 1
    assert answer["message"].startswith("このカーネルは 1 分間操作がなかったため停止されました。")
    ru = site.call("bob", "GET", f"api/campushub/culled/{kernel_id}", headers={"Accept-Language": "ru"}).json()
    assert ru["message"].startswith("Это ядро было остановлено после 1 мин. без активности.")
    assert site.call("alice", "GET", f"api/campushub/culled/{kernel_id}").status_code == 404


def test_a_restart_needs_the_profile_still_allowed(site):
    """A restart is a new launch: someone taken out of a profile's group keeps the running kernel (interrupt,
    shut down) but cannot launch it again."""
    assert site.hub.api("POST", "groups/staff", json={"users": ["alice"]}).status_code in (201, 200)
    wait_for(lambda: "campushub-staff" in site.call("alice", "GET", "api/kernelspecs").json()["kernelspecs"], 90,
             "the front to see alice in staff")
    kernel_id = site.start("alice", "campushub-staff")
    try:
        assert site.hub.api("DELETE", "groups/staff/users", json={"users": ["alice"]}).status_code == 200
        wait_for(lambda: "campushub-staff" not in site.call("alice", "GET", "api/kernelspecs").json()["kernelspecs"],
                 90, "the front to see alice out of staff")
        r = site.call("alice", "POST", f"api/kernels/{kernel_id}/restart")
        assert r.status_code == 403 and r.json()["message"].startswith("The kernel campushub-staff is not available")
        assert site.call("alice", "POST", f"api/kernels/{kernel_id}/interrupt").status_code == 204
    finally:
        assert site.call("alice", "DELETE", f"api/kernels/{kernel_id}").status_code == 204
