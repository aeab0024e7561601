"""Who reaches an app, and what the app reaches (attack review of issue 15,
findings 2, 3 and 4), on a real hub with real Streamlit and command apps:

- a websocket upgrade is authenticated like an HTTP request: nobody logged
  in, a stranger's token, a revoked viewer's cookie are refused (403), through
  the hub's proxy and straight at the app proxy's 127.0.0.1 port from another
  account's kernel; the owner and a viewer with a share get in;
- refused upgrades are no activity: anonymous reconnects do not keep an idle
  app from the culler;
- the app cannot read the server's hub token from any process it can see."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests
import websocket

from ....conftest import make_user
from ....harness import Browserless, Hub, run_code, running, wait_for
from .test_app_server import START, account, as_owner, get, start_app

CULLING = {"timeout": 3600, "interval": 10, "warning": 0, "groups": {"brief": {"timeout": 30}}}
SECRET_APP = 'import streamlit as st\nst.title("SECRET-TEXT-42")\nst.write("payroll", 12345 * 2)\n'
RERUN = bytes.fromhex("5a00")  # Streamlit's BackMsg{rerun_script{}}: the page asks for the script's output


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    # sharing on the hub's origin on (apps.share_on_hub_origin): viewers get in at all, so their refusal
    # below is the share's, not the site's owner-only rule
    config = {"culling": CULLING, "apps": {"allow_command": True, "share_on_hub_origin": True}}
    with running(Hub.create(tmp_path_factory.mktemp("app-access"), config)) as h:
        admin = Browserless(h, "admin", h.admin_password)
        assert admin.login().status_code == 302
        h.people = {name: make_user(h, admin, name) for name in ("owner", "mallory", "vic")}
        assert h.api("POST", "groups/brief").status_code == 201
        assert h.api("POST", "users/idler").status_code == 201
        assert h.api("POST", "groups/brief/users", json={"users": ["idler"]}).status_code == 200
        yield h


@pytest.fixture(scope="module")
def secret_app(hub):
    name = start_app(hub, "owner", "secret", "work/secret.py", text=SECRET_APP)
    wait_for(lambda: get(hub, "owner", name, "_stcore/health", as_owner(hub, "owner")).text == "ok", START,
             "the app's health through the proxy")
    return name


def stream_url(hub: Hub, owner: str, server: str) -> str:
    return f"ws://127.0.0.1:{hub.port}/user/{owner}/{server}/_stcore/stream"


def reads_the_app(url: str, **kwargs) -> bool:
    """Open Streamlit's websocket and ask for the page: True once the app's text comes back."""
    ws = websocket.create_connection(url, timeout=30, suppress_origin=True, **kwargs)
    try:
        ws.send_binary(RERUN)
        got, deadline = b"", time.monotonic() + 60
        while b"SECRET-TEXT-42" not in got and time.monotonic() < deadline:
            frame = ws.recv()
            got += frame if isinstance(frame, bytes) else frame.encode()
        return b"SECRET-TEXT-42" in got
    finally:
        ws.close()


def refused(url: str, **kwargs) -> int:
    """The handshake's status; fails if the websocket opened."""
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(url, timeout=30, suppress_origin=True, **kwargs).close()
    return e.value.status_code


def open_app(viewer: Browserless, url: str) -> requests.Response:
    """Through the hub's OAuth as a browser goes, the "Authorize access" form included
    (tests/hub/apps/test_sharing_e2e.py)."""
    r = viewer.session.get(url, timeout=60)
    if r.status_code == 200 and "/hub/api/oauth2/authorize" in r.url and 'name="scopes"' in r.text:
        fields = [("_xsrf", re.search(r'name="_xsrf" value="([^"]*)"', r.text).group(1))]
        fields += [("scopes", html.unescape(v)) for v in re.findall(r'name="scopes" value="([^"]*)"', r.text)]
        r = viewer.session.post(r.url, data=fields, timeout=60)
    return r


def cookie_header(person: Browserless, url: str) -> str:
    """The Cookie header a browser of `person` sends to `url`."""
    return person.session.prepare_request(requests.Request("GET", url)).headers.get("Cookie", "")


def test_attack_websockets_to_an_app_need_a_login_and_access(hub, secret_app):
    url = stream_url(hub, "owner", secret_app)
    page = f"{hub.url}/user/owner/{secret_app}/"
    mallory, vic = hub.people["mallory"], hub.people["vic"]
    # the owner reads the app over its websocket (so refusals below are no broken socket)
    assert reads_the_app(url, header=[f"Authorization: {as_owner(hub, 'owner')['Authorization']}"])
    # ATTACK: nobody logged in, no cookie, no token, no Origin (was: opened, the app's text sent back)
    assert refused(url) == 403
    # ATTACK: a hub user the app is not shared with: her token (header and URL), her browser's cookies
    stranger = hub.user_token(mallory.name)
    assert refused(url, header=[f"Authorization: token {stranger}"]) == 403
    assert refused(f"{url}?token={stranger}") == 403
    assert open_app(mallory, page).status_code == 403  # the hub does not let her through its OAuth
    assert refused(url, cookie=cookie_header(mallory, page)) == 403
    # a viewer with a share gets in, with a token and with the app's cookie from the hub's OAuth
    shares = f"{hub.url}/hub/api/shares/owner/{secret_app}"
    admin = as_owner(hub, "admin")
    assert requests.post(shares, headers=admin, json={"user": vic.name}, timeout=30).status_code == 200
    viewer_token = hub.user_token(vic.name)
    assert reads_the_app(url, header=[f"Authorization: token {viewer_token}"])
    r = open_app(vic, page)
    assert r.status_code == 200, (r.url, [h.url for h in r.history], r.text[:800])
    viewer_cookie = cookie_header(vic, page)
    assert reads_the_app(url, cookie=viewer_cookie)
    # ATTACK: the share revoked, the former viewer's cookie and token open nothing
    assert requests.patch(shares, headers=admin, json={"user": vic.name}, timeout=30).status_code == 200
    assert refused(url, cookie=viewer_cookie) == 403
    assert refused(url, header=[f"Authorization: token {viewer_token}"]) == 403


UPGRADE = r"""
import json, socket
def upgrade(extra):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
    head = ("GET PATH HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
    s.sendall((head + extra + "\r\n").encode())
    data = b""
    while b"\r\n" not in data and (chunk := s.recv(4096)):
        data += chunk
    s.close()
    return data.split(b"\r\n", 1)[0].decode()
print(json.dumps({name: upgrade(extra) for name, extra in CASES.items()}))
"""


def test_attack_another_account_upgrades_at_the_app_proxys_own_port(hub, secret_app):
    """127.0.0.1 is every account's: the app proxy's port is reachable around the hub's proxy."""
    routes = hub.api("GET", "proxy").json()
    target = routes[f"/user/owner/{secret_app}/"]["target"]
    port = int(target.rsplit(":", 1)[1].rstrip("/"))
    r = hub.api("POST", "users/mallory/server")
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready("mallory"), START, "mallory's server")
    mallory = hub.user_token("mallory")
    cases = {"nobody": "", "mallory": f"Authorization: token {mallory}\r\n",
             # the owner's own token from there: the port does answer upgrades at all
             "owner": f"Authorization: token {hub.user_token('owner')}\r\n"}
    code = (UPGRADE.replace("PORT", str(port)).replace("PATH", f"/user/owner/{secret_app}/_stcore/stream")
            .replace("CASES", repr(cases)))
    out = run_code(hub, "mallory", mallory, code)
    assert out["error"] is None, out
    status = json.loads(out["stream"])
    assert status["owner"].startswith("HTTP/1.1 101"), status
    assert status["nobody"].startswith("HTTP/1.1 403"), status
    assert status["mallory"].startswith("HTTP/1.1 403"), status


def test_attack_anonymous_websockets_do_not_keep_an_idle_app_alive(hub):
    """Refused upgrades are no activity: the culler stops an app nobody may use but strangers knock on."""
    quiet = start_app(hub, "idler", "quiet", "work/quiet.py", text=SECRET_APP)
    wait_for(lambda: get(hub, "idler", quiet, "_stcore/health", as_owner(hub, "idler")).text == "ok", START,
             "idler's app")
    url, statuses, opened = stream_url(hub, "idler", quiet), [], []
    deadline = time.monotonic() + 30 + 10 + 10 + 60  # timeout, check interval, activity report, a busy machine
    while quiet in hub.api("GET", "users/idler").json().get("servers", {}):
        assert time.monotonic() < deadline, f"the app was kept alive; handshakes: {statuses}"
        try:
            ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
            ws.send_binary(RERUN)
            opened.append(ws)  # kept open and talking, as the attack did
            statuses.append(101)
        except websocket.WebSocketBadStatusException as e:
            statuses.append(e.status_code)
        except (websocket.WebSocketException, OSError):
            statuses.append(0)  # the app going away under us
        for ws in opened:
            try:
                ws.send_binary(RERUN)
            except (websocket.WebSocketException, OSError):
                pass
        time.sleep(3)  # the pace of a reconnecting page, not a synchronisation
    for ws in opened:
        ws.close()
    assert statuses and 101 not in statuses, statuses


PROBE = r'''
import http.server, json, os, sys

def environ_of(pid):
    try:
        data = open(f"/proc/{pid}/environ", "rb").read()
    except OSError as e:
        return type(e).__name__
    return "TOKEN" if b"JUPYTERHUB_API_TOKEN=" in data or b"JPY_API_TOKEN=" in data else "clean"

def ancestors():
    out, pid = [], os.getpid()
    while pid > 1:
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError as e:
            out.append({"pid": pid, "stat": type(e).__name__})
            break
        out.append({"pid": pid, "comm": stat.split("(", 1)[1].rsplit(")", 1)[0], "environ": environ_of(pid)})
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return out

class Probe(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"own": [k for k in os.environ if k in ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")],
                           "ancestors": ancestors(),
                           "visible": {p: environ_of(p) for p in os.listdir("/proc") if p.isdigit()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Probe).serve_forever()
'''


def proxy_processes(uid: int) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
        if b"campushub_app_proxy" in cmdline and uids[0] == str(uid):
            found.append(int(pid))
    return found


def descendants(root: int) -> list[int]:
    children, found = {}, []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(pid))
    todo = [root]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def test_attack_the_app_cannot_read_the_servers_hub_token(hub):
    name = "app-probe"
    r = hub.api("POST", f"users/vic/servers/{name}",
                json={"campushub_app": {"kind": "command", "command": ["python3", "probe.py", "{port}"]}})
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready("vic", name), START, "vic's command app")
    entry = account("vic")
    probe = Path(entry.pw_dir) / "probe.py"
    probe.write_text(PROBE)
    os.chown(probe, entry.pw_uid, entry.pw_gid)
    headers = as_owner(hub, "vic")

    def answered():
        r = get(hub, "vic", name, "", headers)
        return r if r.status_code == 200 else None
    r = wait_for(answered, START, "the probe app through the proxy")
    seen = r.json()
    assert seen["own"] == [], seen
    assert len(seen["ancestors"]) >= 2, seen  # itself and campushub_app_run at least
    leaked = [a for a in seen["ancestors"] if a.get("environ") == "TOKEN"]
    assert not leaked, seen["ancestors"]
    assert "TOKEN" not in seen["visible"].values(), seen["visible"]
    # the same, whatever the app can see of its process tree (a pod has no bubblewrap between): as root,
    # nothing the proxy started has the token in its environment, and the proxy, which keeps it, is not
    # dumpable: its owner's account cannot read its environ, while it reads a process it started
    proxies = [p for p in proxy_processes(entry.pw_uid)
               if any(b"probe.py" in Path(f"/proc/{c}/cmdline").read_bytes() for c in descendants(p))]
    assert len(proxies) == 1, proxies
    below = descendants(proxies[0])
    assert below
    for pid in below:
        assert b"JUPYTERHUB_API_TOKEN=" not in Path(f"/proc/{pid}/environ").read_bytes(), pid

    def read_as_vic(pid: int) -> subprocess.CompletedProcess:
        return subprocess.run(["cat", f"/proc/{pid}/environ"], user=entry.pw_uid, group=entry.pw_gid,
                              extra_groups=[], capture_output=True)
    assert read_as_vic(below[0]).returncode == 0  # its child, same account: readable
    attempt = read_as_vic(proxies[0])
    assert attempt.returncode != 0 and b"Permission denied" in attempt.stderr, attempt
    assert b"JUPYTERHUB_API_TOKEN=" not in attempt.stdout
    hub.api("DELETE", f"users/vic/servers/{name}", json={"remove": True})


SHADOW = ("from pathlib import Path\n"
          "Path.home().joinpath('shadow_ran.txt').write_text('ran')\n"
          "raise SystemExit('the owner ran this instead of the app proxy')\n")


def test_a_proxy_module_in_the_owners_home_does_not_replace_the_app_proxy(hub, secret_app):
    # Attack (round 2, finding 1): the app proxy starts in the owner's home; run as `python -m`, a
    # ~/campushub_app_proxy.py (or one in ~/.local's site-packages) ran instead: no login, the owner's page
    # on the hub's origin for every visitor. Started with -I, the environment's own proxy runs.
    entry = account("owner")
    home = Path(entry.pw_dir)
    user_site = home / ".local" / "lib" / "python3.11" / "site-packages"
    planted = [home / "campushub_app_proxy.py", user_site / "campushub_app_proxy.py"]
    user_site.mkdir(parents=True, exist_ok=True)
    for path in planted:
        path.write_text(SHADOW)
    for path in (*planted, *user_site.parents):
        if home in path.parents or path == home:
            os.chown(path, entry.pw_uid, entry.pw_gid)
    try:
        name = start_app(hub, "owner", "shadowed", "work/secret.py", text=SECRET_APP)
        r = get(hub, "owner", name, "", {})  # nobody logged in
        assert r.status_code == 302 and "/hub/api/oauth2/authorize" in r.headers["Location"], r.status_code
        wait_for(lambda: get(hub, "owner", name, "_stcore/health", as_owner(hub, "owner")).text == "ok", START,
                 "the app's health through the proxy")
        assert not (home / "shadow_ran.txt").exists()
    finally:
        for path in planted:
            path.unlink(missing_ok=True)
        hub.api("DELETE", "users/owner/servers/app-shadowed", json={"remove": True})
