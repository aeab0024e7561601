"""Two sites on one machine: internal ports chosen per data dir, both serve
logins, `down` of one leaves the other running; `status` finds each by
--config, and a bare `status` names the running sites instead of "stopped"."""

from __future__ import annotations

import json
import os
import socket

import pytest

from ..harness import TEST_PREFIX, Browserless, Hub, campushub

FREE = {"hub_port": None, "proxy_api_port": None}  # the default: chosen at up


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("sites")
    # each site maps people to unix accounts with its own prefix, as two real sites must
    a = Hub.create(root / "a", {"hub": FREE, "roles": {"admin_groups": ["staff"]},
                                "spawner": {"user_prefix": TEST_PREFIX[:-1] + "a-"}})
    b = Hub.create(root / "b", {"hub": FREE, "spawner": {"user_prefix": TEST_PREFIX[:-1] + "b-"}})
    try:
        a.up()
        b.up()
        yield a, b
    finally:
        for h in (a, b):
            if h.proc and h.proc.poll() is None:
                h.down()
            h.cleanup_accounts(TEST_PREFIX[:-1] + ("a-" if h is a else "b-"))


def _status(*args) -> tuple[int, dict]:
    r = campushub("status", "--json", *args)
    return r.returncode, json.loads(r.stdout)


def _ports(site: Hub) -> dict:
    return json.loads((site.data_dir / "effective-config.json").read_text())["hub"]


def test_both_sites_run_on_their_own_ports_and_log_in(sites):
    a, b = sites
    pa, pb = _ports(a), _ports(b)
    internal = {pa["hub_port"], pa["proxy_api_port"], pb["hub_port"], pb["proxy_api_port"]}
    assert len(internal) == 4 and not internal & {a.port, b.port}
    for site in (a, b):
        assert Browserless(site, "admin", site.admin_password).login().status_code == 302
        rc, info = _status("--config", str(site.config_file))
        assert rc == 0 and info["hub"] and info["data_dir"] == str(site.data_dir)
        assert info["ports"]["hub"] == _ports(site)["hub_port"]


def test_status_shows_limits_environment_groups_and_group_admins(sites):
    a, _ = sites
    assert a.api("POST", "users/carol").status_code == 201
    r = a.api("POST", "groups/staff/users", json={"users": ["carol"]})
    assert r.status_code == 200, r.text
    rc, info = _status("--config", str(a.config_file))
    carol = next(u for u in info["users"] if u["name"] == "carol")
    assert carol["admin"] and carol["groups"] == ["staff"]
    staff = next(g for g in info["groups"] if g["name"] == "staff")
    assert staff["members"] == 1 and staff["roles"]  # the role roles.admin_groups gives
    assert info["limits"]["memory"] == "512M" and info["environments"][0]["tags"]
    table = campushub("status", "--config", str(a.config_file), env={**os.environ, "COLUMNS": "200"}).stdout
    assert "Limits per server: cpu 1, memory 512M" in table and "staff" in table
    assert any("carol" in line and "yes" in line for line in table.splitlines()), table


def test_bare_status_names_the_running_sites(sites, tmp_path):
    a, b = sites
    # no --data-dir, no --config: the default data dir, where nothing of these runs
    r = campushub("status", cwd=tmp_path, env={**os.environ, "COLUMNS": "300"})
    if "Hub: running" in r.stdout:
        pytest.skip("a site runs with the default data dir on this machine")
    assert "stopped" not in r.stdout and "No CampusHub runs with this data dir" in r.stdout, r.stdout
    assert str(a.data_dir) in r.stdout and str(b.data_dir) in r.stdout, r.stdout
    assert "default data dir" in r.stdout


def test_down_of_one_site_leaves_the_other_running(sites):
    a, b = sites
    result = campushub("down", "--config", str(a.config_file))
    assert result.returncode == 0 and "CampusHub stopped" in result.stdout, result.stdout + result.stderr
    a.proc.wait(timeout=60)
    rc, info = _status("--config", str(a.config_file))
    assert rc == 3 and not info["hub"] and not info["proxy"]
    for port in (a.port, _ports(a)["hub_port"], _ports(a)["proxy_api_port"]):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))  # free again
    rc, info = _status("--config", str(b.config_file))
    assert rc == 0 and info["hub"]
    assert Browserless(b, "admin", b.admin_password).login().status_code == 302
    # the ports a chose are its own: the next up finds them recorded
    before = _ports(a)
    a.up(admin=None)
    assert {k: _ports(a)[k] for k in FREE} == {k: before[k] for k in FREE}
