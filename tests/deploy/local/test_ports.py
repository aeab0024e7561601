"""The hub's internal ports are ones learners cannot take. The attack: a
learner's server (servers outlive `campushub down`) bound the hub's API port
while the hub was down, and every running server then sent it its API
token; the same for the proxy's API port and the hub's proxy token."""

from __future__ import annotations

import json
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
