"""A real Streamlit app as a named server on a real hub (proxy, unix
accounts, cgroups, the shared environment, the hub's idle culler): started
through the REST API with user_options from its owner's file, loaded by the
owner through the hub's proxy and the app proxy, with nothing of
jupyter_server behind it; running as the owner, in the owner's cgroup; out of
reach of another account's real kernel except through the proxy; and culled
when idle while an app in use reports its activity."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest
import requests
import websocket

from campushub.config import load
from campushub.deploy.local.spawner import cgroups
from campushub.deploy.local.spawner.unix_users import unix_name
from campushub.hub.policy.choose import choose
from campushub.hub.policy.resolve import effective_policy

from ....harness import TEST_PREFIX, Hub, Repeating, add_people, run_code, running, wait_for

# The site's timeout is long; people of "brief" have 30 s (checked every 10 s)
CULLING = {"timeout": 3600, "interval": 10, "warning": 0, "groups": {"brief": {"timeout": 30}}}
APP_FILE = 'import streamlit as st\nst.title("Churn dashboard")\nst.write("rows:", 42)\n'
START = 120  # a start on a busy machine: account, cgroup, the proxy


@pytest.fixture(scope="module")
def apps_hub(tmp_path_factory):
    # shares on the hub's own origin (the revocation test): the apps are the test's own;
    # the default (owner only) is tests/hub/apps/test_sharing_refused.py's
    config = {"culling": CULLING, "apps": {"share_on_hub_origin": True}}
    with running(Hub.create(tmp_path_factory.mktemp("apps"), config)) as h:
        add_people(h, {"owner": None, "mallory": None, "idler": "brief", "busy": "brief", "ana": None})
        yield h


def account(hub_name: str) -> pwd.struct_passwd:
    return pwd.getpwnam(unix_name(hub_name, TEST_PREFIX))


def start_app(hub: Hub, person: str, slug: str, path: str = "work/dash.py", kind: str = "streamlit",
              text: str = APP_FILE) -> str:
    name = f"app-{slug}"
    r = hub.api("POST", f"users/{person}/servers/{name}",
                json={"campushub_app": {"kind": kind, "path": path, "title": "Churn"}})
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready(person, name), START, f"{person}'s {name} to be ready")
    # the app is the owner's own file, in their home (the account exists once the server has started)
    entry = account(person)
    folder = Path(entry.pw_dir) / os.path.dirname(path)
    folder.mkdir(exist_ok=True)
    (folder / os.path.basename(path)).write_text(text)
    for p in (folder, folder / os.path.basename(path)):
        os.chown(p, entry.pw_uid, entry.pw_gid)
    return name


def as_owner(hub: Hub, person: str) -> dict:
    return {"Authorization": f"token {hub.user_token(person)}"}


def get(hub: Hub, person: str, server: str, path: str, headers: dict, **kwargs) -> requests.Response:
    return requests.get(f"{hub.url}/user/{person}/{server}/{path}", headers=headers, timeout=60,
                        allow_redirects=False, **kwargs)


def processes_of(server_path: str) -> list[int]:
    """Pids whose command line names this server's prefix (the app's --server.baseUrlPath)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in cmdline and server_path.encode() in cmdline:
            found.append(int(pid))
    return found


@pytest.fixture(scope="module")
def owners_app(apps_hub):
    name = start_app(apps_hub, "owner", "churn")
    headers = as_owner(apps_hub, "owner")
    # the first request starts the app behind the proxy
    wait_for(lambda: get(apps_hub, "owner", name, "_stcore/health", headers).text == "ok", START,
             "the app's health through the proxy")
    return name, headers


def test_the_owner_loads_the_app_through_the_proxy(apps_hub, owners_app):
    name, headers = owners_app
    page = get(apps_hub, "owner", name, "", headers)
    assert page.status_code == 200 and "<title>Streamlit</title>" in page.text
    assert get(apps_hub, "owner", name, "_stcore/health", headers).text == "ok"
    # Streamlit's own websocket, as the page opens it, through both proxies
    ws = websocket.create_connection(f"ws://127.0.0.1:{apps_hub.port}/user/owner/{name}/_stcore/stream",
                                     header=[f"Authorization: {headers['Authorization']}"], timeout=30)
    assert ws.connected
    ws.close()
    # nobody else: no token, a login; the hub's user without the owner's share, refused
    assert get(apps_hub, "owner", name, "", {}).status_code == 302
    assert get(apps_hub, "owner", name, "", as_owner(apps_hub, "idler")).status_code == 403


def test_the_server_has_no_contents_terminals_or_kernels(apps_hub, owners_app):
    name, headers = owners_app
    base = f"{apps_hub.url}/user/owner/{name}/api"
    answers = [requests.get(f"{base}/contents", headers=headers, timeout=30),
               requests.get(f"{base}/contents/work/dash.py", headers=headers, timeout=30),
               requests.post(f"{base}/kernels", headers=headers, json={"name": "python3"}, timeout=30),
               requests.post(f"{base}/terminals", headers=headers, timeout=30),
               requests.get(f"{base}/kernels", headers=headers, timeout=30)]
    for r in answers:
        assert r.status_code != 201, r.text[:200]
        try:
            body = r.json()
        except ValueError:
            continue  # Streamlit's own page, not a Jupyter API
        assert not (isinstance(body, (dict, list)) and ("content" in body or "id" in body or body == [])), body
    assert APP_FILE not in "".join(r.text for r in answers)
    # and no Jupyter server runs for it at all
    for pid in processes_of(f"/user/owner/{name}"):
        tree = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert b"jupyterhub-singleuser" not in tree and b"jupyter_server" not in tree


def test_the_app_runs_as_its_owner_in_the_owners_cgroup(apps_hub, owners_app):
    name, _ = owners_app
    pids = processes_of(f"/user/owner/{name}")
    assert pids, "no Streamlit process found"
    entry = account("owner")
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
        assert set(uids) == {str(entry.pw_uid)}, uids
        assert "NoNewPrivs:\t1" in status  # what the server itself runs under
        cgroup = Path(f"/proc/{pid}/cgroup").read_text()
        assert f"{entry.pw_name}--{name}" in cgroup, cgroup
    # and that cgroup holds the limits of the policy's default choice (the owner is in no group)
    config = load(str(apps_hub.config_file))
    default = choose(effective_policy(config, []), config, {})
    assert cgroup_limits(f"{entry.pw_name}--{name}") == (default.mem_limit, default.cpu_limit)


def cgroup_limits(name: str) -> tuple[int, float]:
    """(memory bytes, CPU cores) the kernel enforces on the server's cgroup, v2 or v1 (cgroups.py's files)."""
    backend = cgroups.detect()
    if backend.version == 2:
        v2 = backend.root / cgroups.PARENT / name
        quota, period = (v2 / "cpu.max").read_text().split()
        return int((v2 / "memory.max").read_text()), int(quota) / int(period)
    memory, cpu = (backend.mounts[c] / cgroups.PARENT / name for c in ("memory", "cpu"))
    quota, period = ((cpu / f"cpu.cfs_{f}_us").read_text() for f in ("quota", "period"))
    return int((memory / "memory.limit_in_bytes").read_text()), int(quota) / int(period)


ATTACK = r"""
import glob, json, socket
found = []
def ask(family, address, path):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(address)
        s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: localhost\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return data.decode(errors="replace")
    except OSError as e:
        return "error: " + type(e).__name__
    finally:
        s.close()
# the app's well-known port, then every TCP port listening on this machine
answers = {"8501": ask(socket.AF_INET, ("127.0.0.1", 8501), "/_stcore/health")}
for table, family, host in (("/proc/net/tcp", socket.AF_INET, "127.0.0.1"), ("/proc/net/tcp6", socket.AF_INET6, "::1")):
    for line in open(table).read().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A":  # LISTEN
            port = int(fields[1].rsplit(":", 1)[1], 16)
            for path in ("/_stcore/health", "/user/owner/APP/_stcore/health"):
                answers[f"{host}:{port}{path}"] = ask(family, (host, port), path)
# unix sockets: those this network namespace lists, and any proxy socket under /tmp
paths = {l.split()[-1] for l in open("/proc/net/unix").read().splitlines()[1:] if len(l.split()) > 7}
paths |= set(glob.glob("/tmp/jupyter-server-proxy-*/socket"))
for path in paths:
    if path.startswith("/"):
        answers[path] = ask(socket.AF_UNIX, path, "/_stcore/health")
print(json.dumps(answers))
"""


def test_attack_another_accounts_kernel_cannot_reach_the_app_around_the_proxy(apps_hub, owners_app):
    name, _ = owners_app
    r = apps_hub.api("POST", "users/mallory/server")
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: apps_hub.server_ready("mallory"), START, "mallory's server")
    out = run_code(apps_hub, "mallory", apps_hub.user_token("mallory"), ATTACK.replace("APP", name))
    assert out["error"] is None, out
    answers = json.loads(out["stream"])
    assert answers["8501"].startswith("error: ConnectionRefused"), answers["8501"]
    assert len(answers) > 3  # the hub's, the proxy's and the servers' ports were all tried
    leaked = {k: v[:120] for k, v in answers.items() if v.rstrip().endswith("\r\n\r\nok") or "Streamlit" in v}
    assert not leaked, leaked


def test_a_revoked_share_is_refused_on_the_next_request_and_its_websocket_closed(apps_hub, owners_app):
    name, _ = owners_app
    viewer = as_owner(apps_hub, "mallory")
    assert get(apps_hub, "owner", name, "_stcore/health", viewer).status_code == 403
    # shared by the site's admin (the hub's admin role holds `shares`; owners sharing their own apps is
    # the apps page's, tests/hub/apps)
    shares = f"{apps_hub.url}/hub/api/shares/owner/{name}"
    admin = as_owner(apps_hub, "admin")
    r = requests.post(shares, headers=admin, json={"user": "mallory"}, timeout=30)
    assert r.status_code == 200, r.text
    assert get(apps_hub, "owner", name, "_stcore/health", viewer).text == "ok"
    ws = websocket.create_connection(f"ws://127.0.0.1:{apps_hub.port}/user/owner/{name}/_stcore/stream",
                                     header=[f"Authorization: {viewer['Authorization']}"], timeout=30)
    assert requests.patch(shares, headers=admin, json={"user": "mallory"}, timeout=30).status_code == 200
    # no cached answer of the hub's: the very next request is refused
    assert get(apps_hub, "owner", name, "_stcore/health", viewer).status_code == 403
    # and the open websocket is closed at the proxy's next check (every 30 s)
    ws.settimeout(90)
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        while True:
            if ws.recv() in ("", b""):  # a close frame
                raise websocket.WebSocketConnectionClosedException("closed")


DASH_FILE = ('from dash import Dash, html\napp = Dash(__name__)\napp.layout = html.Div([html.H1("Dash board 42")])\n'
             'if __name__ == "__main__":\n    app.run(debug=True)\n')
PANEL_FILE = 'import panel as pn\npn.panel("# Panel board").servable(title="Panel board 42")\n'
VOILA_FILE = json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {},
                                    "outputs": [], "source": ["print('voila says', 6 * 7)"]}],
                         "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                     "language": "python"}},
                         "nbformat": 4, "nbformat_minor": 5})


def test_dash_panel_and_voila_apps_through_the_hub(apps_hub):
    headers = as_owner(apps_hub, "ana")
    dash = start_app(apps_hub, "ana", "board", "work/board.py", "dash", DASH_FILE)
    panel = start_app(apps_hub, "ana", "pane", "work/pane.py", "panel", PANEL_FILE)
    voila = start_app(apps_hub, "ana", "report", "reports/report.ipynb", "voila", VOILA_FILE)

    def layout():
        r = get(apps_hub, "ana", dash, "_dash-layout", headers)
        return r.status_code == 200 and "Dash board 42" in r.text
    wait_for(layout, START, "the Dash layout through the proxy")
    page = get(apps_hub, "ana", dash, "", headers)
    assert '"requests_pathname_prefix":"\\u002fuser\\u002fana\\u002fapp-board\\u002f"' in page.text
    wait_for(lambda: "Panel board 42" in get(apps_hub, "ana", panel, "pane", headers).text, START,
             "the Panel page through the proxy")
    wait_for(lambda: "voila says 42" in get(apps_hub, "ana", voila, "", headers).text, START,
             "the Voila page (the notebook run) through the proxy")
    # Voila started from a notebook path has no contents API (the notebook's own page answers every path)
    for path in ("voila/api/contents", "voila/api/contents/reports", "api/contents"):
        r = requests.get(f"{apps_hub.url}/user/ana/{voila}/{path}", headers=headers, timeout=60)
        assert '"type": "directory"' not in r.text and '"type":"directory"' not in r.text, (path, r.text[:200])
        assert VOILA_FILE not in r.text
    # a fourth app at once is over apps.max_per_person (3), refused with one line
    r = apps_hub.api("POST", "users/ana/servers/app-four",
                     json={"campushub_app": {"kind": "streamlit", "path": "work/dash.py"}})
    assert r.status_code == 400 and "at most 3 apps" in r.json()["message"], r.text
    for name in (dash, panel, voila, "app-four"):
        apps_hub.api("DELETE", f"users/ana/servers/{name}", json={"remove": True})


class Viewer(Repeating):
    """Someone using an app through the proxy every few seconds."""

    def __init__(self, hub: Hub, person: str, server: str):
        self.url = f"{hub.url}/user/{person}/{server}/_stcore/health"
        self.headers = as_owner(hub, person)
        self.answers: list[int] = []
        super().__init__()

    def step(self):
        try:
            self.answers.append(requests.get(self.url, headers=self.headers, timeout=30).status_code)
        except requests.RequestException:
            self.answers.append(0)


def test_an_idle_app_is_culled_while_one_in_use_reports_activity(apps_hub):
    idle = start_app(apps_hub, "idler", "quiet")
    busy = start_app(apps_hub, "busy", "popular")
    # both are loaded once (the idle one's Streamlit runs too), then only one is used
    for person, server in (("idler", idle), ("busy", busy)):
        headers = as_owner(apps_hub, person)
        wait_for(lambda p=person, s=server, h=headers: get(apps_hub, p, s, "_stcore/health", h).text == "ok",
                 START, f"{person}'s app")
    started = apps_hub.api("GET", "users/busy").json()["servers"][busy]["last_activity"]
    with Viewer(apps_hub, "busy", busy) as viewer:
        wait_for(lambda: idle not in apps_hub.api("GET", "users/idler").json().get("servers", {}),
                 30 + 10 + 10 + 60, "the idle app to be culled")
        busy_now = apps_hub.api("GET", "users/busy").json()["servers"].get(busy)
        assert busy_now is not None and busy_now["ready"], "the app in use was culled"
        assert busy_now["last_activity"] > started  # its reports reached the hub
        assert viewer.answers and set(viewer.answers) == {200}, viewer.answers
