"""`campushub up` interrupted at each step of its start leaves nothing running;
`down` cleans up after an `up` that was killed, by the pids it recorded, and
never signals a process that merely got a recorded pid. The hub services
(assignments, analytics) are started and stopped by one code
(hub_services_local.py): these tests make it with the analytics service,
which runs on every site; its port is among those that must be free."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from campushub.deploy.local import pids
from campushub.deploy.local.layout import Layout

from ..harness import Hub, campushub, site_processes, wait_for

STEPS = [
    "Preparing the data dir",
    "Building the user environments",
    "Installing configurable-http-proxy",
    "Starting the proxy",
    "Starting JupyterHub",
    "Waiting for JupyterHub to answer",
    "Starting the fork servers",  # once the hub answers (restart time: cli/up.py)
    "Starting the analytics service",  # turned on for this site (Hub.create: off); no course: no assignments
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    h = Hub.create(tmp_path_factory.mktemp("lifecycle"), {"analytics": {"enabled": True}})
    yield h
    campushub("down", "--data-dir", str(h.data_dir))
    assert _ours(h) == []


def _ours(hub: Hub) -> list[int]:
    return site_processes(hub.data_dir)


def _analytics_port(hub: Hub) -> int:
    return json.loads(Layout(hub.data_dir).config_copy.read_text())["analytics"]["port"]


def _busy(hub: Hub) -> list[int]:
    config = json.loads(hub.config_file.read_text())["hub"]
    ports = [config["port"], config["hub_port"], config["proxy_api_port"]]
    if Layout(hub.data_dir).config_copy.exists():  # where `up` keeps the port it chose for analytics
        ports.append(_analytics_port(hub))
    busy = []
    for port in ports:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                busy.append(port)
    return busy


def _start(hub: Hub) -> subprocess.Popen:
    out = open(hub.output, "w")
    env = {**os.environ, "TERM": "dumb", "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "campushub", "up", "--config", str(hub.config_file)],
                            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    out.close()
    return proc


def _caught(pid: int) -> int:
    """The signals `pid` has handlers for (SigCgt), as a bit mask."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.M).group(1), 16)


# One signal per step, alternating, so each is sent both before and at the steps where processes run
# (4 to 8). up handles SIGINT and SIGTERM with one handler (supervise.Lifetime, from before step 1),
# which only passes the signal's number on to the exit status; that both are caught at the step is
# checked at each step (SigCgt) instead of interrupting every step twice.
@pytest.mark.parametrize("step,signum", list(zip(range(1, len(STEPS) + 1), [signal.SIGTERM, signal.SIGINT] * 4,
                                                  strict=True)))
def test_interrupted_start_leaves_nothing(site, step, signum):
    proc = _start(site)
    try:
        line = f"[{step}/{len(STEPS)}] {STEPS[step - 1]}"
        wait_for(lambda: line in site.output.read_text() or proc.poll() is not None, 300, f"up to reach {line!r}")
        assert proc.poll() is None, site.output.read_text()
        caught = _caught(proc.pid)
        assert all(caught >> (s - 1) & 1 for s in (signal.SIGINT, signal.SIGTERM)), hex(caught)
        proc.send_signal(signum)
        wait_for(lambda: proc.poll() is not None, 90, "up to exit after the signal")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = site.output.read_text()
    assert proc.returncode == 128 + signum or "user servers keep running" in out, out
    assert "Traceback" not in out, out
    assert _ours(site) == [], out
    assert _busy(site) == [], out
    assert not list((site.data_dir / "run").glob("*.pid")), out


def test_down_stops_what_a_killed_up_left_and_up_starts_again(site):
    site.up(admin=None)
    analytics_port = _analytics_port(site)
    assert len(_ours(site)) >= 2  # hub and proxy
    hub_pid = pids.read(Layout(site.data_dir).pid_file("hub"))
    second = campushub("up", "--config", str(site.config_file))
    # the second `up` has the running one restart its hub (tests/cli/test_restart.py), nothing else
    assert second.returncode == 0 and "kept running" in second.stdout, second.stdout + second.stderr
    assert site.proc.poll() is None
    assert pids.read(Layout(site.data_dir).pid_file("hub")) not in (None, hub_pid)
    service = pids.read(Layout(site.data_dir).pid_file("analytics"))
    site.proc.kill()  # no cleanup at all: as after an OOM kill or a crash
    site.proc.wait()
    assert len(_ours(site)) >= 2
    assert service in _ours(site)  # a hub service outlives it too; `down` finds it by its pid file
    result = campushub("down", "--data-dir", str(site.data_dir))
    assert result.returncode == 0 and "CampusHub stopped" in result.stdout, result.stdout + result.stderr
    wait_for(lambda: _ours(site) == [], 30, "hub and proxy to be gone")
    assert _busy(site) == []
    # asked, not killed: the hub inherited no blocked signals from `up`
    assert "Received signal SIGTERM" in (site.data_dir / "logs" / "hub.log").read_text()
    site.up(admin=None)  # the ports are free: the next start works
    site.proc.kill()
    site.proc.wait()
    # and `up` itself cleans up what a killed `up` left before it starts
    site.up(admin=None)
    assert "Stopped what an earlier `campushub up` left running" in site.output.read_text()
    assert _analytics_port(site) == analytics_port  # the port `up` chose first is kept
    assert site.down().returncode == 0
    assert _ours(site) == [] and _busy(site) == []
    assert not list((site.data_dir / "run").glob("*.pid"))


def test_a_recycled_pid_is_never_signalled(tmp_path):
    stranger = subprocess.Popen(["sleep", "300"])
    try:
        run = tmp_path / "run"
        run.mkdir()
        # the pid as a hub pid file would hold it, but the process started at another time
        (run / "hub.pid").write_text(f"{stranger.pid} 1\n")
        # and as a pid file of an older version holds it: just the number
        (run / "proxy.pid").write_text(f"{stranger.pid}\n")
        result = campushub("down", "--data-dir", str(tmp_path))
        assert result.returncode == 0 and "Nothing was running" in result.stdout, result.stdout
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_an_interrupted_install_step_stops_all_its_processes(tmp_path):
    """npm and pip start children of their own; `up` stopped while they run must not leave them."""
    import uuid

    from campushub.cli.supervise import Stopped
    from campushub.deploy.local.userenv import run_logged

    marker, tag = tmp_path / "started", f"chtest-{uuid.uuid4().hex}"
    script = f"(exec -a {tag} sleep 300) & (exec -a {tag} sleep 300) & touch {marker}; wait"

    def on_usr1(signum, frame):
        raise Stopped(signal.SIGTERM)  # what up's handler raises on SIGTERM

    old = signal.signal(signal.SIGUSR1, on_usr1)
    watcher = subprocess.Popen(["bash", "-c", f"while [ ! -e {marker} ]; do sleep 0.05; done; "
                                f"kill -USR1 {os.getpid()}"])
    try:
        with pytest.raises(Stopped):
            run_logged(["bash", "-c", script], tmp_path / "install.log", "a test install")
    finally:
        signal.signal(signal.SIGUSR1, old)
        watcher.wait()
    left = subprocess.run(["pgrep", "-f", tag], capture_output=True, text=True).stdout.split()
    assert left == []
