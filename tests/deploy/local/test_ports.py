"""The hub's internal ports are ones learners cannot take. The attack: a
learner's server (servers outlive `campushub down`) bound the hub's API port
while the hub was down, and every running server then sent it its API
token; the same for the proxy's API port and the hub's proxy token."""

from __future__ import annotations

import json
import os
import subprocess

from campushub.deploy.local import ports
from campushub.deploy.local.layout import Layout

GRAB = "import socket, sys\ns = socket.socket()\ntry:\n    s.bind(('127.0.0.1', int(sys.argv[1]))); print('bound')\n" \
       "except OSError as e:\n    print(type(e).__name__)"


def test_chosen_internal_ports_cannot_be_bound_by_another_account(tmp_path):
    hub = ports.resolve({"port": 8000, "hub_port": None, "proxy_api_port": None}, Layout(tmp_path))
    chosen = [hub["hub_port"], hub["proxy_api_port"]]
    assert len(set(chosen + [8000])) == 3
    for port in chosen:
        grab = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", GRAB, str(port)],
                              capture_output=True, text=True, timeout=30, cwd="/")
        assert grab.stdout.strip() == "PermissionError", (port, grab.stdout, grab.stderr)  # before: 'bound'


def test_recorded_and_configured_ports_are_kept(tmp_path):
    layout = Layout(tmp_path)
    layout.config_copy.write_text(json.dumps({"hub": {"hub_port": 45678, "proxy_api_port": 45679}}))
    hub = ports.resolve({"port": 8000, "hub_port": None, "proxy_api_port": 8002}, layout)
    assert (hub["hub_port"], hub["proxy_api_port"]) == (45678, 8002)


def test_a_public_port_others_can_take_is_warned_about():
    # the same attack on the public port: while the proxy is down, a learner listens there and serves a
    # login page of their own on the site's address
    grab = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", GRAB, "0"],
                          capture_output=True, text=True, timeout=30, cwd="/")
    assert grab.stdout.strip() == "bound"  # any high port: 8000, the default, included
    assert "below 1024" in ports.public_port_warning({"port": 8000})
    assert ports.public_port_warning({"port": 443}) is None


def test_a_service_port_others_can_take_is_refused(tmp_path):
    """The attack on a hub service: analytics.port set to 8765, a learner's process listens there while the
    service restarts and every user server sends it its API token. `up` now refuses such a port (before:
    started on it) unless the site accepts it; null (chosen below 1024) and a port below 1024 are fine."""
    from campushub.config import validate

    grab = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", GRAB, "8765"],
                          capture_output=True, text=True, timeout=30, cwd="/")
    assert grab.stdout.strip() in ("bound", "OSError")  # a high port: any account may take it (unless in use)
    config = validate({"data_dir": str(tmp_path), "courses": {"c1": {"learners_group": "l", "tutors_group": "t"}},
                       "analytics": {"port": 8765}, "assignments": {"port": 705}})
    refused = ports.service_port_refusal(config, ["analytics", "assignments"])
    assert refused.startswith("analytics.port 8765 is a port any account") and "below 1024" in refused
    assert "hub.allow_unprivileged_service_ports: true" in refused and "\n" not in refused
    assert ports.service_port_refusal(config, ["assignments"]) is None  # 705: out of learners' reach
    assert ports.service_port_refusal({**config, "analytics": {**config["analytics"], "port": None}},
                                      ["analytics", "assignments"]) is None
    accepted = {**config, "hub": {**config["hub"], "allow_unprivileged_service_ports": True}}
    assert ports.service_port_refusal(accepted, ["analytics", "assignments"]) is None



def test_where_every_port_is_unprivileged_the_refusal_says_so(tmp_path, monkeypatch):
    from campushub.config import validate

    monkeypatch.setattr(ports, "_unprivileged_start", lambda: 0)  # as in a container that lowered it
    config = validate({"data_dir": str(tmp_path), "assignments": {"port": 705}})
    refused = ports.service_port_refusal(config, ["assignments"])
    assert "set net.ipv4.ip_unprivileged_port_start to 1024 (it is 0)" in refused and "below 0" not in refused


def test_up_refuses_such_a_service_port_before_starting_anything(tmp_path):
    from ...harness import campushub, free_port

    f = tmp_path / "c.yaml"
    f.write_text(f"data_dir: {tmp_path / 'data'}\nhub:\n  ip: 127.0.0.1\n  port: {free_port()}\n"
                 "assignments:\n  enabled: false\nanalytics:\n  port: 8765\n")
    try:
        result = campushub("up", "--config", str(f), timeout=120)
    except subprocess.TimeoutExpired:  # it started the site: stop what it started
        campushub("down", "--config", str(f), timeout=300)
        raise AssertionError("campushub up started on analytics.port 8765") from None
    assert result.returncode == 1, result.stdout + result.stderr
    assert "analytics.port 8765 is a port any account" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "run").exists()  # nothing started


def test_a_port_chosen_by_one_site_is_not_chosen_by_another_before_it_is_bound(tmp_path, monkeypatch):
    """Two sites starting at once: a port is free when chosen and bound seconds later by the service, so
    both could choose it and the second site's service could not listen (seen with two test workers).
    A choice is claimed for a while, and another site skips it; the same site may choose it again."""
    monkeypatch.setattr(ports, "CLAIMS", tmp_path / "claims")
    monkeypatch.setattr(ports, "PRIVILEGED", range(700, 702))  # two ports to choose from
    a, b = Layout(tmp_path / "a"), Layout(tmp_path / "b")
    for _ in range(10):  # the order is random: before, b chose a's port about every other time
        for p in (tmp_path / "claims").glob("*"):
            p.unlink()
        first = ports.free_port(set(), a)
        assert ports.free_port(set(), b) == ({700, 701} - {first}).pop()
        assert ports.free_port({({700, 701} - {first}).pop()}, a) == first  # its own claim: still a's to take
    monkeypatch.setattr(ports, "CLAIM_SECONDS", 0)  # the window is over: the port is b's to choose too
    assert ports.free_port({({700, 701} - {first}).pop()}, b) == first


def test_claims_go_only_to_a_folder_of_roots_alone(tmp_path, monkeypatch, caplog):
    """The claims folder under /run/campushub: made 0755 whatever the umask, and one that anybody else can
    write to (or a link in its place) gets no claims: they could swap a claim for a link root writes through."""
    monkeypatch.setattr(ports, "PRIVILEGED", range(700, 702))
    layout = Layout(tmp_path / "a")
    parent = tmp_path / "run-campushub"
    parent.mkdir(mode=0o777)
    os.chmod(parent, 0o777)  # as `up` under umask 0 left it before
    monkeypatch.setattr(ports, "CLAIMS", parent / "ports")
    port = ports.free_port(set(), layout)
    assert (os.stat(parent).st_mode & 0o777, os.stat(parent / "ports").st_mode & 0o777) == (0o755, 0o755)
    assert (parent / "ports" / str(port)).read_text() == os.path.realpath(layout.data_dir)
    assert [p.name for p in (parent / "ports").iterdir()] == [str(port)]  # no temporary file left

    open_dir = tmp_path / "open"
    open_dir.mkdir()
    os.chmod(open_dir, 0o777)
    monkeypatch.setattr(ports, "CLAIMS", open_dir)
    with caplog.at_level("WARNING", logger=ports.__name__):
        assert ports.free_port(set(), layout) in (700, 701)
    assert os.listdir(open_dir) == []
    assert f"Port claims skipped: {open_dir} is not root's alone (owner uid 0, mode 777)" in caplog.text

    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    monkeypatch.setattr(ports, "CLAIMS", tmp_path / "link")
    assert ports.free_port(set(), layout) in (700, 701)
    assert os.listdir(target) == []
