"""Moving a tag on a running platform: `stable` is pointed at a new version
and `campushub env build` run while a learner's server is up. That server and
the hub carry on untouched; the next server started gets the new version.

The two versions must be different builds, so the second lock is the
shipped one plus a comment (another hash, the same packages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ...harness import ROOT, TEST_PREFIX, Hub, campushub, running, server_environ, wait_for

PREFIX = TEST_PREFIX + "t"
SHIPPED = ROOT / "campushub" / "singleuser" / "environment.lock"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    work = tmp_path_factory.mktemp("tags")
    second = Path("/opt/campushub-test/locks/environment-second.lock")
    second.parent.mkdir(parents=True, exist_ok=True)
    second.write_text(SHIPPED.read_text() + "\n# a second version of the same packages\n")
    h = Hub.create(work, {
        "spawner": {"user_prefix": PREFIX},
        "environments": {"tagged": {"versions": {"first": {}, "second": {"lock_file": str(second)}},
                                    "tags": {"stable": "first"}}},
    })
    with running(h, PREFIX):
        for name in ("early", "late"):
            assert h.api("POST", f"users/{name}").status_code == 201
        yield h


def start(hub: Hub, user: str) -> None:
    r = hub.api("POST", f"users/{user}/server", json={"user_options": {"environment": "tagged:stable"}})
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready(user), 180, f"{user}'s server")


def test_moving_stable_reaches_new_servers_only(hub):
    start(hub, "early")
    first = server_environ(hub, "early")["VIRTUAL_ENV"]
    hub_pid = hub.proc.pid

    config = json.loads(hub.config_file.read_text())
    config["environments"]["tagged"]["tags"]["stable"] = "second"
    hub.config_file.write_text(json.dumps(config))
    result = campushub("env", "build", "--config", str(hub.config_file), timeout=900)
    assert result.returncode == 0, result.stderr
    assert "tagged:stable -> second" in result.stdout

    start(hub, "late")
    second = server_environ(hub, "late")["VIRTUAL_ENV"]
    assert second != first and Path(second, ".campushub-complete").is_file()
    # the early server still runs from the first version, and still answers
    assert server_environ(hub, "early")["VIRTUAL_ENV"] == first and hub.server_ready("early")
    assert hub.proc.pid == hub_pid and hub.proc.poll() is None
