"""Checks on a real site that hold for every hub service `up` runs beside
the hub (deploy/local/hub_services_local.py): the assignments and the
analytics service's tests make them with the service's name."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat

from campushub.deploy.local import pids
from campushub.deploy.local.layout import Layout

from ...harness import Hub, campushub, wait_for


def port(hub: Hub, name: str) -> int:
    return json.loads(Layout(hub.data_dir).config_copy.read_text())[name]["port"]


def pid(hub: Hub, name: str) -> int | None:
    return pids.read(Layout(hub.data_dir).pid_file(name))


def port_free(number: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", number))
        except OSError:
            return False
    return True


def check_started_after_the_hub(hub: Hub, name: str) -> None:
    output = hub.output.read_text()
    assert output.index("Waiting for JupyterHub to answer") < output.index(f"Starting the {name} service")
    layout = Layout(hub.data_dir)
    assert pid(hub, name) is not None
    assert stat.S_IMODE(os.stat(layout.service_token(name)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(layout.service_dir(name)).st_mode) == 0o700
    assert layout.log_file(name).exists()
    assert port(hub, name) < 1024  # privileged (out of learners' reach), as the hub's internal ports


def check_status_shows(hub: Hub, name: str) -> None:
    info = json.loads(campushub("status", "--data-dir", str(hub.data_dir), "--json").stdout)
    assert info[name] is True
    assert info["ports"][name] == port(hub, name)
    text = campushub("status", "--data-dir", str(hub.data_dir)).stdout
    assert f"{name.capitalize()}: running" in text and f"{name} 127.0.0.1:{port(hub, name)}" in text


def check_killed_and_started_again(hub: Hub, name: str, answers) -> None:
    """SIGKILL the service; `up` starts another, which answers (`answers(hub)`)."""
    before = pid(hub, name)
    seen = len(hub.output.read_text())  # a shared site's `up` may have restarted it for another test
    os.kill(before, signal.SIGKILL)
    after = wait_for(lambda: (pid(hub, name) not in (None, before)) and pid(hub, name), 60,
                     f"campushub up to start the {name} service again")
    assert after != before
    wait_for(lambda: answers(hub), 60, f"the restarted {name} service to answer")
    assert f"the {name} service exited; starting it again" in hub.output.read_text()[seen:]
