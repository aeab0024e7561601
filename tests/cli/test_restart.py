"""`campushub up` run again while an `up` runs applies the new configuration by
restarting the hub, and only the hub (cli/up_restart.py, deploy/local/restart.py):
a cell printing a line a second through a kernel websocket opened through the
proxy keeps printing through the restart, the server, its kernel, the proxy and
the unchanged analytics service keep their pids, the user's server answers
through the proxy all along, and a bad configuration changes nothing."""

from __future__ import annotations

import ast
import fcntl
import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import termios
import threading
import uuid
from pathlib import Path

import pytest
import requests
import websocket

from campushub.deploy.local import pids
from campushub.deploy.local.layout import Layout

from ..harness import TEST_PREFIX, Browserless, Hub, campushub, free_port, run_code, running, site_processes, wait_for

# a line a second until the test leaves ~/stop-cell (at most five minutes)
CELL = ("import os, time\nfor i in range(300):\n    print('line', i, flush=True)\n"
        "    if os.path.exists(os.path.expanduser('~/stop-cell')):\n        break\n    time.sleep(1)\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running(Hub.create(tmp_path_factory.mktemp("restart"), {"analytics": {"enabled": True}})) as hub:
        yield hub


def _pid(hub: Hub, name: str) -> int | None:
    return pids.read(Layout(hub.data_dir).pid_file(name))


def _change_config(site: Hub, **changes) -> None:
    config = json.loads(site.config_file.read_text())
    for section, values in changes.items():
        config.setdefault(section, {}).update(values)
    site.config_file.write_text(json.dumps(config, indent=1))


class Cell:
    """An execute_request over a websocket opened through the proxy; its stream lines collected as they come."""

    def __init__(self, hub: Hub, user: str, token: str, kernel: str):
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{hub.port}/user/{user}/api/kernels/{kernel}/channels",
            header=[f"Authorization: token {token}"], timeout=120)
        self.msg_id, self.text, self.idle, self.error = uuid.uuid4().hex, "", False, None
        self.ws.send(json.dumps({
            "header": {"msg_id": self.msg_id, "username": user, "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": CELL, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False}}))
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while not self.idle:
                msg = json.loads(self.ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != self.msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "stream":
                    self.text += msg["content"]["text"]
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    self.idle = True
        except Exception as e:  # the websocket broke: the test reports it
            self.error = e
        finally:
            self.ws.close()


class Reachability:
    """GET the user's server through the proxy every half second; every failure is kept."""

    def __init__(self, hub: Hub, user: str, token: str):
        self.url, self.headers = f"{hub.url}/user/{user}/api/status", {"Authorization": f"token {token}"}
        self.failures, self.tries, self.stop = [], 0, threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        while not self.stop.wait(0.5):
            self.tries += 1
            try:
                r = requests.get(self.url, headers=self.headers, timeout=10)
                if r.status_code != 200:
                    self.failures.append(f"HTTP {r.status_code}")
            except requests.RequestException as e:
                self.failures.append(type(e).__name__)

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(30)


def test_a_running_cell_survives_up_with_a_new_config(site):
    user = f"{TEST_PREFIX}restart"
    assert site.api("POST", f"users/{user}").status_code in (201, 409)
    assert site.api("POST", f"users/{user}/server").status_code in (201, 202)
    wait_for(lambda: site.server_ready(user), 180, "the user's server to be ready")
    token = site.user_token(user)
    first = run_code(site, user, token, "import os; os.getppid(), os.path.expanduser('~')")
    kernel = first["kernel_id"]
    server_pid, home = ast.literal_eval(first["result"])
    before = {name: _pid(site, name) for name in ("up", "hub", "proxy", "analytics")}
    assert all(before.values()), before

    reach = Reachability(site, user, token)
    cell = Cell(site, user, token, kernel)
    wait_for(lambda: "line 1" in cell.text, 60, "the cell to print")
    _change_config(site, spawner={"start_timeout": 121})  # a hub setting: the hub alone restarts
    second = campushub("up", "--config", str(site.config_file), env={**os.environ, "TERM": "dumb", "COLUMNS": "200"})
    out = second.stdout + second.stderr
    assert second.returncode == 0, out
    assert "1 user server(s) kept running" in out, out
    assert "Waiting for JupyterHub to answer" in out, out  # the restart's progress, shown here
    assert not cell.idle and cell.error is None, (cell.text, cell.error)  # it ran through the whole restart
    printed = cell.text.count("\n")
    wait_for(lambda: cell.text.count("\n") >= printed + 2, 30, "the cell to go on printing after the restart")
    Path(home, "stop-cell").touch()
    wait_for(lambda: cell.idle or cell.error, 60, "the cell to finish")
    reach.finish()

    assert cell.error is None, cell.error
    lines = cell.text.split("\n")[:-1]
    assert lines == [f"line {i}" for i in range(len(lines))], cell.text  # none lost, none twice
    assert reach.tries >= 5 and reach.failures == [], reach.failures
    after = {name: _pid(site, name) for name in ("up", "hub", "proxy", "analytics")}
    assert after["hub"] and after["hub"] != before["hub"], (before, after)
    assert {k: after[k] for k in ("up", "proxy", "analytics")} == {k: before[k] for k in ("up", "proxy", "analytics")}
    again = run_code(site, user, token, "import os; os.getppid(), os.path.expanduser('~')")  # same server?
    kernels = requests.get(f"{site.url}/user/{user}/api/kernels", headers={"Authorization": f"token {token}"},
                           timeout=30).json()
    assert kernel in {k["id"] for k in kernels}
    assert ast.literal_eval(again["result"])[0] == server_pid  # the same server process
    hub_config = json.loads(Layout(site.data_dir).config_copy.read_text())
    assert hub_config["spawner"]["start_timeout"] == 121
    assert "Restarted with the new configuration" in site.output.read_text()


def test_admin_on_the_second_up_makes_the_account_and_prints_its_password(site):
    second = campushub("up", "--config", str(site.config_file), "--admin", "boss2")
    out = second.stdout + second.stderr
    assert second.returncode == 0, out
    match = re.search(r"One-time password: (\S+)", out)
    assert match, out
    assert Browserless(site, "boss2", match.group(1)).login().status_code == 302
    assert site.api("GET", "users/boss2").json()["admin"] is True
    assert match.group(1) not in site.output.read_text()  # not in the running `up`'s output (a journal)


def test_a_bad_config_on_the_second_up_changes_nothing(site):
    before = {name: _pid(site, name) for name in ("up", "hub", "proxy")}
    saved = site.config_file.read_text()
    try:
        _change_config(site, hub={"no_such_key": 1})
        second = campushub("up", "--config", str(site.config_file))
    finally:
        site.config_file.write_text(saved)
    assert second.returncode != 0
    message = second.stderr.strip()
    assert "no_such_key" in message and len(message.splitlines()) == 1 and "Traceback" not in message, message
    assert {name: _pid(site, name) for name in ("up", "hub", "proxy")} == before
    assert site.proc.poll() is None
    assert not (site.data_dir / "run" / "restart-request.json").exists()


def test_sighup_without_a_request_rereads_the_config(site):
    """As `systemctl reload` does (ExecReload): the same arguments, the file read again."""
    hub_pid, done = _pid(site, "hub"), site.output.read_text().count("Restarted with the new configuration")
    _change_config(site, spawner={"start_timeout": 122})
    assert pids.signal_recorded(Layout(site.data_dir).pid_file("up"), 1)
    layout = Layout(site.data_dir)
    wait_for(lambda: _pid(site, "hub") not in (None, hub_pid)
             and json.loads(layout.config_copy.read_text())["spawner"]["start_timeout"] == 122
             and site.output.read_text().count("Restarted with the new configuration") > done,
             180, "the hub to restart")
    assert site.proc.poll() is None


def test_a_reload_with_a_bad_file_goes_back_and_the_next_reload_reads_the_file(site):
    """`systemctl reload` after an edit that breaks the schema: the re-executed `up` exited with the
    ConfigError (hub, proxy and services left unsupervised, the unit failed). It goes back to the
    configuration that ran; and once the file is fixed, the next reload reads the file, not the copy
    it went back to (run/previous-config.json)."""
    layout = Layout(site.data_dir)
    up_pid, saved = _pid(site, "up"), site.config_file.read_text()
    back = site.output.read_text().count("Back on the configuration before")
    ran = json.loads(layout.config_copy.read_text())

    def running_again(text: str, count: int):
        def check():
            assert site.proc.poll() is None, site.output.read_text()[-3000:]
            return site.output.read_text().count(text) > count
        return check

    try:
        _change_config(site, hub={"port": "notaport"}, spawner={"start_timeout": 123})
        assert pids.signal_recorded(layout.pid_file("up"), 1)
        wait_for(running_again("Back on the configuration before", back), 180, "the running `up` to go back")
    finally:
        site.config_file.write_text(saved)
    assert _pid(site, "up") == up_pid
    assert "hub.port: got 'notaport'" in site.output.read_text()  # why, in the running `up`'s output
    assert json.loads(layout.config_copy.read_text())["spawner"] == ran["spawner"]
    assert requests.get(f"{site.url}/hub/api/", timeout=10).status_code == 200

    done = site.output.read_text().count("Restarted with the new configuration")
    _change_config(site, spawner={"start_timeout": 124})  # the file fixed, and changed
    assert pids.signal_recorded(layout.pid_file("up"), 1)
    wait_for(running_again("Restarted with the new configuration", done), 180, "the reload to apply the file")
    assert json.loads(layout.config_copy.read_text())["spawner"]["start_timeout"] == 124


def test_a_restart_that_fails_goes_back_to_the_configuration_before(site):
    """A port the fresh `up` cannot listen on (the second `up` cannot know it is taken) fails the
    restart: the running `up` goes back to the configuration it ran with (not to its file, which
    now holds the failing one), the site keeps running."""
    layout = Layout(site.data_dir)
    up_pid, proxy_pid = _pid(site, "up"), _pid(site, "proxy")
    saved, started = site.config_file.read_text(), site.output.read_text().count("CampusHub is running at")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            # a kernel-chosen port is one learners could take: accepted here as a site may (ports.py)
            _change_config(site, analytics={"port": port}, hub={"allow_unprivileged_service_ports": True})
            # --admin: the account file is read by the hub it goes back to; its password must be shown
            second = campushub("up", "--config", str(site.config_file), "--admin", "boss3",
                               env={**os.environ, "COLUMNS": "300"})
            out = second.stdout + second.stderr
            assert second.returncode == 1 and "was not applied" in out and "analytics.port" in out, out
            assert "went back to its configuration before" in out, out
            assert "Traceback" not in out, out
            wait_for(lambda: site.output.read_text().count("CampusHub is running at") > started, 180,
                     "the running `up` to be back on its configuration")
        finally:
            site.config_file.write_text(saved)
    assert site.proc.poll() is None and _pid(site, "up") == up_pid and _pid(site, "proxy") == proxy_pid
    config = json.loads(layout.config_copy.read_text())
    assert config["analytics"]["port"] != port
    assert requests.get(f"{site.url}/hub/api/", timeout=10).status_code == 200
    password = re.search(r"One-time password: (\S+)", out)
    assert password, out
    assert Browserless(site, "boss3", password.group(1)).login().status_code == 302


def test_a_service_turned_off_is_stopped_and_on_again_started(site):
    analytics = _pid(site, "analytics")
    _change_config(site, analytics={"enabled": False})
    second = campushub("up", "--config", str(site.config_file), env={**os.environ, "COLUMNS": "300"})
    assert second.returncode == 0 and "stopped the analytics service" in second.stdout, second.stdout + second.stderr
    assert _pid(site, "analytics") is None and not _alive(analytics)
    _change_config(site, analytics={"enabled": True})
    second = campushub("up", "--config", str(site.config_file))
    assert second.returncode == 0, second.stdout + second.stderr
    assert _pid(site, "analytics") not in (None, analytics)


def _alive(pid: int) -> bool:
    return pids.start_time(pid) is not None


def test_a_changed_proxy_setting_restarts_the_proxy_with_a_warning(site):
    user = f"{TEST_PREFIX}restart"
    token = site.user_token(user)
    proxy_pid = _pid(site, "proxy")
    new_port = free_port()
    _change_config(site, hub={"port": new_port})
    second = campushub("up", "--config", str(site.config_file), env={**os.environ, "COLUMNS": "300"})
    out = second.stdout + second.stderr
    assert second.returncode == 0, out
    assert "proxy's settings changed" in out and "unreachable for a few seconds" in out, out
    site.port = new_port
    assert _pid(site, "proxy") not in (None, proxy_pid)
    # the new hub gives the new proxy the running server's route
    wait_for(lambda: requests.get(f"{site.url}/user/{user}/api/status", timeout=10,
                                  headers={"Authorization": f"token {token}"}).status_code == 200,
             60, "the user's server through the new proxy")


def test_a_change_of_hub_ip_alone_restarts_the_proxy_on_the_same_port(site):
    """hub.ip 127.0.0.1 -> 0.0.0.0, hub.port unchanged: refused before as "cannot listen on hub.port",
    the address looking taken by our own proxy (which the restart replaces)."""
    proxy_pid = _pid(site, "proxy")
    _change_config(site, hub={"ip": "0.0.0.0"})
    second = campushub("up", "--config", str(site.config_file), env={**os.environ, "COLUMNS": "300"})
    out = second.stdout + second.stderr
    assert second.returncode == 0, out
    assert "proxy's settings changed" in out, out
    assert _pid(site, "proxy") not in (None, proxy_pid)
    wait_for(lambda: requests.get(f"{site.url}/hub/api/", timeout=10).status_code == 200, 60,
             "the hub through the proxy on 0.0.0.0")


def test_a_closed_terminal_stops_up_instead_of_restarting_it(tmp_path):
    """SIGHUP is also what a foreground `up` gets when its terminal closes (an SSH session ends):
    that is no request to restart. `up` stops what it started, as on Ctrl-C."""
    hub = Hub.create(tmp_path)
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "dumb", "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "campushub", "up", "--config", str(hub.config_file)],
                            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
                            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    seen = b""
    try:
        def running_now() -> bool:
            nonlocal seen
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 65536)
            assert proc.poll() is None, seen.decode(errors="replace")
            return b"CampusHub is running at" in seen
        wait_for(running_now, 600, "campushub up to run on its terminal")
        os.close(master)  # the terminal hangs up
        master = None
        wait_for(lambda: proc.poll() is not None, 90, "up to exit once its terminal is gone")
        wait_for(lambda: site_processes(hub.data_dir) == [], 30, "hub and proxy to be stopped")
        assert not list((hub.data_dir / "run").glob("*.pid"))
        assert not list((hub.data_dir / "run").glob("*.settings"))  # what a restart would compare with
    finally:
        if master is not None:
            os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        campushub("down", "--data-dir", str(hub.data_dir))
