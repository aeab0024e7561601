"""The core path through the real stack: form login, spawn, kernel over the user's REST API."""

import subprocess

import pytest
import requests

from ...conftest import spawn
from ...harness import TEST_PREFIX, Browserless, execute, run_code


def test_login_spawn_and_run_code(hub, alice):
    spawn(hub, alice)
    token = hub.user_token("alice")
    # "ready" means routed: the very next request reaches the server, not the hub
    r = requests.get(f"{hub.url}/user/alice/api", headers={"Authorization": f"token {token}"},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 200 and "version" in r.json(), (r.status_code, r.headers.get("Location"))
    out = run_code(hub, "alice", token, "5*4")
    assert out["result"] == "20", out


def test_wrong_password_is_refused(hub, alice):
    intruder = Browserless(hub, "alice", "not-her-password")
    r = intruder.login()
    assert r.status_code == 200  # the form again, not a redirect into the hub
    assert "Invalid username or password" in r.text or "ユーザー名またはパスワード" in r.text


def test_unapproved_signup_cannot_log_in(hub):
    eve = Browserless(hub, "eve", "eve-Secret-pw-2026")
    assert eve.signup().status_code == 200
    r = eve.login()
    assert r.status_code == 200 and "eve" in r.text
    assert hub.api("GET", "users/eve").status_code == 404  # no hub user, no account


def test_restart_keeps_servers_and_kernels(hub, alice):
    spawn(hub, alice)
    token = hub.user_token("alice")
    first = run_code(hub, "alice", token, "kept = 41")
    server_pid = server_pids("alice")
    assert server_pid, "no jupyterhub-singleuser process for alice"
    result = hub.down()
    assert result.returncode == 0, result.stderr
    assert "User servers keep running" in result.stdout
    with pytest.raises(requests.ConnectionError):
        hub.api("GET", "users")
    assert server_pids("alice") == server_pid  # the server survived the hub
    hub.up(admin=None)
    out = execute(hub, "alice", token, first["kernel_id"], "kept + 1")
    assert out["result"] == "42", out
    assert server_pids("alice") == server_pid


def server_pids(user: str) -> list[int]:
    account = TEST_PREFIX + user
    r = subprocess.run(["pgrep", "-u", account, "-f", "jupyterhub-singleuser"], capture_output=True, text=True)
    return sorted(int(p) for p in r.stdout.split())


def test_proxy_log_is_plain_text_after_browsers_reset_connections(hub):
    """A closed tab resets its websockets; CHP logged that as a coloured uncaught exception."""
    import socket
    import struct
    import time

    from ...harness import wait_for

    log = hub.data_dir / "logs" / "proxy.log"
    before = log.stat().st_size
    upgrade = (b"GET /user/nobody/api/kernels/k/channels HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               b"Sec-WebSocket-Version: 13\r\n\r\n")
    for delay in (0, 0.05, 0.2):
        s = socket.create_connection(("127.0.0.1", hub.port))
        s.sendall(upgrade)
        time.sleep(delay)  # at different points of the proxied upgrade (not synchronisation)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # RST, as a browser tab that goes away
    # CHP logs in order: once the error for a dead route is in the log, a
    # reset's exception (raised before it) would be too
    api = f"http://127.0.0.1:{hub_config(hub)['proxy_api_port']}/api/routes/campushub-test-dead"
    headers = {"Authorization": f"token {(hub.data_dir / 'proxy-auth-token').read_text().strip()}"}
    requests.post(api, json={"target": "http://127.0.0.1:1"}, headers=headers, timeout=30).raise_for_status()
    try:
        requests.get(f"{hub.url}/campushub-test-dead", timeout=30)
        wait_for(lambda: b"/campushub-test-dead" in log.read_bytes()[before:], 30, "the proxy to log the dead route")
    finally:
        requests.delete(api, headers=headers, timeout=30)
    text = log.read_bytes()[before:]
    assert b"\x1b" not in text, text[-2000:]
    assert b"ECONNRESET" not in text, text[-2000:]


def hub_config(hub) -> dict:
    import json

    return json.loads((hub.data_dir / "effective-config.json").read_text())["hub"]
