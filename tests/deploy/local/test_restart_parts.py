"""The parts of an in-place restart of `campushub up` that need no hub
(deploy/local/restart.py, adopt.py, processes.py); the restart itself runs
for real in tests/cli/test_restart.py."""

from __future__ import annotations

import json
import os
import socket

from campushub.deploy.local import adopt, processes, restart
from campushub.deploy.local.layout import Layout

from ...harness import wait_for


def _layout(tmp_path) -> Layout:
    layout = Layout(tmp_path)
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    return layout


def test_a_request_is_taken_once_and_a_malformed_one_is_dropped(tmp_path):
    layout = _layout(tmp_path)
    request = restart.ask(layout, ["up", "--config", "/etc/campushub/site.yaml"])
    assert oct(restart.request_file(layout).stat().st_mode & 0o777) == "0o600"
    assert restart.take(layout) == {"id": request, "args": ["up", "--config", "/etc/campushub/site.yaml"]}
    assert restart.take(layout) is None
    for bad in ({"id": "x", "args": "up --config f"}, {"id": "../../x", "args": ["up"]}, [1, 2], "text"):
        restart.request_file(layout).write_text(json.dumps(bad))
        assert restart.take(layout) is None
        assert not restart.request_file(layout).exists()


def test_only_the_lock_an_up_handed_on_is_adopted(tmp_path, monkeypatch):
    layout = _layout(tmp_path)
    with open(layout.up_lock, "a") as lock, open(tmp_path / "other", "a") as other:
        for fd, adopted in ((lock.fileno(), True), (other.fileno(), False)):
            monkeypatch.setenv(restart.ADOPT_ENV, json.dumps(
                {"data_dir": str(tmp_path), "lock_fd": fd, "request": "abc", "previous": ["up"], "args": ["up"]}))
            adoption = restart.adoption_from_env()
            assert (adoption is not None) is adopted
            assert restart.ADOPT_ENV not in os.environ  # no child inherits it
            if adoption:
                assert adoption.request == "abc" and not os.get_inheritable(fd)


def test_going_back_uses_the_configuration_that_ran_not_the_file(tmp_path):
    layout = _layout(tmp_path)
    assert restart.keep_previous(layout, ["up", "--config", "/x.yaml"]) == ["up", "--config", "/x.yaml"]
    layout.config_copy.write_text(json.dumps({"hub": {"port": 8000}}))
    args = restart.keep_previous(layout, ["up", "--config", "/x.yaml"])
    assert args == ["up", "--config", str(layout.run_dir / "previous-config.json"), "--data-dir", str(tmp_path)]
    layout.config_copy.write_text(json.dumps({"hub": {"port": 9000}}))  # the next restart's
    assert json.loads((layout.run_dir / "previous-config.json").read_text()) == {"hub": {"port": 8000}}
    assert layout.run_dir / "previous-config.json" in restart.leftovers(layout)


def test_a_port_our_kept_process_holds_is_not_in_the_way(tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        hub = {"ip": "127.0.0.1", "port": port, "hub_port": port, "proxy_api_port": port}
        assert len(processes.busy_ports(hub, include_proxy=True)) == 3
        assert processes.busy_ports(hub, include_proxy=True, ours=hub) == []
        moved = {**hub, "proxy_api_port": port + 1}  # another port than the kept proxy's: checked
        assert processes.busy_ports(hub, include_proxy=True, ours=moved) == [
            f"hub.proxy_api_port 127.0.0.1:{port} (Address already in use)"]


def test_the_proxy_is_replaced_only_when_its_own_settings_change(tmp_path):
    layout = _layout(tmp_path)
    hub = {"ip": "127.0.0.1", "port": 8000, "hub_port": 8081, "proxy_api_port": 8001, "base_url": "/",
           "https": {"cert": None, "key": None}}
    chp = ["/usr/bin/node", "/opt/chp"]
    assert processes.proxy_changed(layout, chp, hub) is False  # no record (an older CampusHub): kept...
    assert adopt.recorded(layout, "proxy")  # ...and recorded from now on
    assert processes.proxy_changed(layout, chp, {**hub}) is False
    assert processes.proxy_changed(layout, chp, {**hub, "port": 8443}) is True
    assert processes.proxy_changed(layout, ["/usr/bin/node", "/opt/chp-5.3"], hub) is True


def test_an_adopted_child_is_reaped(tmp_path):
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    child = adopt.Adopted(pid)
    wait_for(lambda: child.poll() is not None, 10, "the child to be reaped")
    assert child.returncode == 7
    assert adopt.Adopted(1).poll() == -1  # not our child: gone for our purposes


def test_a_service_is_replaced_when_its_settings_or_campushub_change(tmp_path, monkeypatch):
    from campushub.cli import up_restart
    from campushub.config import validate
    from campushub.deploy.local.hub_services_local import ANALYTICS

    layout = _layout(tmp_path)
    config = validate({"data_dir": str(tmp_path), "hub": {"hub_port": 8081, "proxy_api_port": 8001},
                       "analytics": {"port": 8765}})
    first = up_restart._service_print(ANALYTICS, config, layout, None)
    assert up_restart._service_print(ANALYTICS, config, layout, None) == first
    other = {**config, "analytics": {**config["analytics"], "retention_days": 7}}
    assert up_restart._service_print(ANALYTICS, other, layout, None) != first  # its own section
    assert up_restart._service_print(ANALYTICS, {**config, "policies": "another"}, layout, None) == first  # not read
    monkeypatch.setattr(adopt, "installed_version", lambda: "0.2.0 0123456789abcdef")
    assert up_restart._service_print(ANALYTICS, config, layout, None) != first  # another CampusHub


def test_a_progress_line_being_written_is_shown_once_whole(tmp_path):
    """The second `up` read the running `up`'s progress file while a line was half appended:
    json.loads of the torn line ended the second `up` with a traceback. Only whole lines are read;
    the rest waits for the next round."""
    from rich.console import Console

    from campushub.cli import up_restart

    layout = _layout(tmp_path)
    progress = restart.progress_file(layout, "abc")
    progress.write_text('{"step": "Starting JupyterHub", "done": 1, "total": 3}\n{"say": "keeping the')
    seen, events = up_restart._new_events(progress, 0)
    assert events == [{"step": "Starting JupyterHub", "done": 1, "total": 3}]
    with open(progress, "a") as f:
        f.write(' proxy"}\nnot json\n')
    seen, events = up_restart._new_events(progress, seen)
    assert events == [{"say": "keeping the proxy"}] and seen == progress.stat().st_size
    restart.report(tmp_path, "abc", ok=True, servers=0, url="")
    progress.write_text('{"step": "A", "total": 1}\n{"say": "torn')
    console = Console(file=open(os.devnull, "w"))
    assert up_restart._follow(layout, "abc", console)["ok"] is True


def test_an_up_between_exec_and_handlers_takes_a_request(tmp_path):
    """From its exec until its new handlers are in place, a restarting `up` holds SIGHUP blocked
    (its handler is the default then): a third `up` was told this `up` could not restart in place
    and to run `down`, then `up`. Blocked counts as taking the request (it is applied next)."""
    import subprocess
    import sys

    from campushub.cli import up_restart

    blocked = ("import signal, sys, time\nsignal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGHUP])\n"
               "print('ready', flush=True)\ntime.sleep(60)\n")
    procs = [subprocess.Popen([sys.executable, "-c", blocked], stdout=subprocess.PIPE, text=True),
             subprocess.Popen(["sleep", "60"])]
    try:
        assert procs[0].stdout.readline() == "ready\n"
        assert up_restart._catches_hup(procs[0].pid)
        wait_for(lambda: open(f"/proc/{procs[1].pid}/cmdline", "rb").read().startswith(b"sleep"), 10, "the exec")
        assert not up_restart._catches_hup(procs[1].pid)  # an older `up`: SIGHUP would end it
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_a_change_of_hub_ip_alone_is_not_refused_for_our_own_proxy(tmp_path):
    """hub.ip 0.0.0.0 -> 127.0.0.1 with the same port: the bind test on the new address failed
    because of our own running proxy (which the restart replaces), and the restart was refused.
    Another process in the way is still reported. Here this test's process stands for our proxy."""
    import subprocess
    import sys

    with socket.socket() as proxy:
        proxy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        proxy.bind(("0.0.0.0", 0))
        proxy.listen()
        port = proxy.getsockname()[1]
        before = {"ip": "0.0.0.0", "port": port, "hub_port": port + 1, "proxy_api_port": port + 2}
        moved = {**before, "ip": "127.0.0.1"}
        assert processes.busy_ports(moved, include_proxy=True, ours=before, proxy_pid=os.getpid()) == []
        # without knowing which process is our proxy, it stays refused
        assert processes.busy_ports(moved, include_proxy=True, ours=before) != []
    with socket.socket() as proxy:
        proxy.bind(("127.0.0.1", 0))
        proxy.listen()
        port = proxy.getsockname()[1]
        other = subprocess.Popen([sys.executable, "-c", "import socket, sys, time\ns = socket.socket()\n"
                                  f"s.bind(('127.0.0.2', {port}))\ns.listen()\nprint('ready', flush=True)\n"
                                  "time.sleep(60)\n"], stdout=subprocess.PIPE, text=True)
        try:
            assert other.stdout.readline() == "ready\n"
            before = {"ip": "127.0.0.1", "port": port, "hub_port": port + 1, "proxy_api_port": port + 2}
            busy = processes.busy_ports({**before, "ip": "0.0.0.0"}, include_proxy=True, ours=before,
                                        proxy_pid=os.getpid())
            assert busy == [f"hub.port 0.0.0.0:{port} (Address already in use)"]
        finally:
            other.kill()
            other.wait()
