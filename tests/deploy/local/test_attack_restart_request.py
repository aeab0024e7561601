"""Two `campushub up` run at once while an `up` runs: each asks it to restart.

Both may pass the "a restart is already under way" check before either has
left its request; the later one's request then replaced the earlier one's
(one file name), both signalled the running `up`, which applied only one,
and the other waited up to half an hour for an answer that never came, with
its configuration silently not applied. A request is now left only where
none waits, and the second one is told at once."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from rich.console import Console

from campushub.cli import up_restart
from campushub.cli.main import CommandError
from campushub.deploy.local import pids, restart
from campushub.deploy.local.layout import Layout

from ...harness import wait_for

# A stand-in for the running `up`: catches SIGHUP (as Lifetime does) and notes each one.
RUNNING_UP = """
import signal, sys, time
def hup(*_):
    with open(sys.argv[1], "a") as f:
        f.write("hup\\n")
signal.signal(signal.SIGHUP, hup)
time.sleep(120)
"""


def _layout(tmp_path) -> Layout:
    layout = Layout(tmp_path)
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    return layout


def test_a_second_request_does_not_replace_the_one_waiting(tmp_path):
    layout = _layout(tmp_path)
    first = restart.ask(layout, ["up", "--config", "/etc/a.yaml"])
    assert restart.ask(layout, ["up", "--config", "/etc/b.yaml"]) is None
    assert restart.take(layout) == {"id": first, "args": ["up", "--config", "/etc/a.yaml"]}
    assert list(layout.run_dir.iterdir()) == []  # no temporary file left either


@pytest.fixture
def running_up(tmp_path):
    layout = _layout(tmp_path / "site")
    hups = tmp_path / "hups"
    proc = subprocess.Popen([sys.executable, "-c", RUNNING_UP, str(hups)])
    try:
        wait_for(lambda: up_restart._catches_hup(proc.pid), timeout=30, what="the stand-in up's SIGHUP handler")
        pids.write(layout.pid_file("up"), proc.pid)
        yield layout, hups
    finally:
        proc.kill()
        proc.wait()


def test_the_later_of_two_simultaneous_second_ups_is_told_and_sends_nothing(running_up, monkeypatch):
    layout, hups = running_up
    monkeypatch.setattr(up_restart, "TIMEOUT", 3.0)  # without the fix it would wait this long for nothing
    other, ask, bootstrapped = {}, restart.ask, []

    def meanwhile(layout, args):
        # the other second `up` leaves its request after this one's check, before this one's
        other["id"] = ask(layout, ["up", "--config", "/etc/other.yaml"])
        return ask(layout, args)

    monkeypatch.setattr(restart, "ask", meanwhile)
    args = type("Args", (), {"config": None, "ip": None, "port": None, "admin": "boss"})()
    with pytest.raises(CommandError, match="already under way"):
        up_restart.hand_over(args, layout, Console(file=open("/dev/null", "w")), lambda: bootstrapped.append(1))
    waiting = json.loads(restart.request_file(layout).read_text())
    assert waiting == {"id": other["id"], "args": ["up", "--config", "/etc/other.yaml"]}
    assert not hups.exists()  # the running `up` was not asked by this one
    assert bootstrapped == []  # no --admin account whose password nobody would see


def test_went_back_is_said_only_once_the_configuration_before_runs_again(tmp_path, monkeypatch, capsys):
    """A failed restart said "went back to the configuration before" as it began going back; when
    going back failed too, everything had stopped while the second `up` had told the operator the
    site was back. The exec itself is replaced (it would replace this test's process)."""
    layout = _layout(tmp_path)
    execs = []
    monkeypatch.setattr(restart, "reexec", lambda *args, **kwargs: execs.append((args, kwargs)))
    adoption = restart.Adoption(str(tmp_path), 5, "abc", ["up", "--config", "previous.json"], ["up"])
    restart.fall_back(adoption, "cannot listen on 1234")
    assert not restart.result_file(layout, "abc").exists()  # not yet: going back may fail too
    (args, kwargs), = execs
    assert args[2] == ["up", "--config", "previous.json"] and "abc" in (*args, *kwargs.values())
    assert kwargs.get("failed") == "cannot listen on 1234"
    back = restart.Adoption(str(tmp_path), 5, "abc", None, ["up"], failed="cannot listen on 1234")

    restart.fall_back(back, "JupyterHub did not answer")  # going back failed as well
    result = json.loads(restart.result_file(layout, "abc").read_text())
    assert result["ok"] is False and not result.get("went_back")
    assert "cannot listen on 1234" in result["error"] and "JupyterHub did not answer" in result["error"]
    assert len(execs) == 1  # and no further attempt

    restart.result_file(layout, "abc").unlink()
    up_restart.done(back, layout, Console(file=open("/dev/null", "w")))  # going back worked
    result = json.loads(restart.result_file(layout, "abc").read_text())
    assert result["ok"] is False and result["went_back"] is True and result["error"] == "cannot listen on 1234"


class _Execed(Exception):
    """Where the test's stand-in for os.execv stops the `up` under test (a real exec would replace pytest)."""


def test_a_reload_with_a_bad_file_goes_back_instead_of_exiting(tmp_path, monkeypatch, capsys):
    """`systemctl reload` re-executes `up` with the unit's file; a file that no longer passes the
    schema raised ConfigError, which only CommandError's path went back from: the re-executed `up`
    exited 2, leaving hub, proxy and services unsupervised, and systemd restarted it into the same
    error. It goes back to the configuration that ran, with why."""
    from campushub.cli import main

    layout = _layout(tmp_path / "site")
    bad = tmp_path / "campushub.yaml"
    bad.write_text("hub:\n  port: notaport\n")
    bad.chmod(0o600)
    previous = ["up", "--config", str(layout.run_dir / "previous-config.json"), "--data-dir", str(layout.data_dir)]
    execs = []

    def reexec(*args, **kwargs):
        execs.append((args, kwargs))
        raise _Execed

    monkeypatch.setattr(restart, "reexec", reexec)
    with open(layout.up_lock, "a") as lock:
        monkeypatch.setenv(restart.ADOPT_ENV, json.dumps({
            "data_dir": str(layout.data_dir), "lock_fd": lock.fileno(), "request": None, "previous": previous,
            "args": ["up", "--config", str(bad)]}))
        with pytest.raises(_Execed):
            main.main(["up", "--config", str(bad), "--data-dir", str(layout.data_dir)])
    (args, kwargs), = execs
    assert args[2] == previous
    assert kwargs["failed"].endswith("campushub.yaml:2: hub.port: got 'notaport'; expected integer"), kwargs
    assert "going back to the one before" in capsys.readouterr().out


def test_after_going_back_a_reload_reads_the_operators_file_again(tmp_path, monkeypatch):
    """The `up` that went back after a failed restart runs `up --config run/previous-config.json`;
    each later `systemctl reload` (SIGHUP, no request) re-executed that command line, so the unit's
    file was never read again until a full restart. The operator's command line is carried along."""
    from campushub.cli.supervise import Lifetime

    layout = _layout(tmp_path / "site")
    layout.config_copy.write_text(json.dumps({"hub": {"port": 8000}}))
    unit = ["up", "--config", "/etc/campushub/campushub.yaml"]
    execs = []
    monkeypatch.setattr(restart, "reexec", lambda data_dir, fd, args, request, previous, failed=None, origin=None:
                        execs.append(restart.Adoption(str(data_dir), fd, request, previous, args, failed, origin)))

    def reload(adoption, argv):
        monkeypatch.setattr(sys, "argv", ["/x/campushub/__main__.py", *argv])
        life = Lifetime(layout, adoption)
        life._lock = lock
        life.restart.set()  # SIGHUP without a request
        life._reexec_if_asked(None, None)
        return execs[-1]

    with open(layout.up_lock, "a") as lock:
        forward = reload(None, unit)  # the up systemd started
        assert forward.args == unit and forward.previous[2].endswith("previous-config.json")
        restart.fall_back(forward, "hub.port: got 'x'")  # that new configuration failed
        back = execs[-1]
        assert back.args == forward.previous and back.failed
        again = reload(back, back.args)  # the operator fixed the file: systemctl reload
    assert again.args == unit and again.previous == forward.previous and again.origin == unit


# A stand-in for a running `up` whose restart fails: on SIGHUP it takes the request and answers
# as up_restart.done does after going back.
FAILING_UP = """
import json, os, signal, sys, time
run = sys.argv[1]
def hup(*_):
    path = os.path.join(run, "restart-request.json")
    request = json.load(open(path))["id"]
    os.unlink(path)
    with open(os.path.join(run, f"restart-{request}.json"), "w") as f:
        json.dump({"ok": False, "error": "cannot listen on hub.port", "went_back": True}, f)
signal.signal(signal.SIGHUP, hup)
time.sleep(120)
"""


def test_the_admin_password_is_shown_when_the_restart_fails(tmp_path):
    """`campushub up --admin NAME` as a second `up`: the account file it leaves is read by the next
    hub that starts (the one the running `up` went back to, say), but the one-time password was
    printed only on success: an admin account with a password nobody had seen."""
    layout = _layout(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", FAILING_UP, str(layout.run_dir)])
    try:
        wait_for(lambda: up_restart._catches_hup(proc.pid), timeout=30, what="the stand-in up's SIGHUP handler")
        pids.write(layout.pid_file("up"), proc.pid)
        args = type("Args", (), {"config": None, "ip": None, "port": None, "admin": "boss"})()
        out = tmp_path / "out"
        with open(out, "w") as f, pytest.raises(CommandError, match="went back"):
            up_restart.hand_over(args, layout, Console(file=f, width=300), lambda: "Pw-one-time-123")
        assert "One-time password: Pw-one-time-123" in out.read_text()
    finally:
        proc.kill()
        proc.wait()


def test_going_back_to_a_copy_the_schema_refuses_is_reported(tmp_path, monkeypatch):
    """Going back runs `up --config run/previous-config.json`; after an upgrade whose schema no longer
    takes that copy, the ConfigError escaped and the second `up` waited for an answer that never came
    (until `up` was gone). It is told both reasons; nothing is re-executed again."""
    from campushub.cli import main

    layout = _layout(tmp_path / "site")
    copy = layout.run_dir / "previous-config.json"
    copy.write_text(json.dumps({"spawner": {"no_longer_a_setting": True}}))
    copy.chmod(0o600)
    monkeypatch.setattr(restart, "reexec", lambda *args, **kwargs: pytest.fail("re-executed again"))
    with open(layout.up_lock, "a") as lock:
        monkeypatch.setenv(restart.ADOPT_ENV, json.dumps({
            "data_dir": str(layout.data_dir), "lock_fd": lock.fileno(), "request": "abc", "previous": None,
            "args": ["up", "--config", str(copy)], "failed": "cannot listen on hub.port 127.0.0.1:8000"}))
        assert main.main(["up", "--config", str(copy), "--data-dir", str(layout.data_dir)]) == 2
    result = json.loads(restart.result_file(layout, "abc").read_text())
    assert result["ok"] is False and not result.get("went_back")
    assert "cannot listen on hub.port" in result["error"] and "no_longer_a_setting" in result["error"], result
