"""The notebook server's side of remote kernels on a real hub, a real
Enterprise Gateway and the front (site.py), with real user servers
(singleuser/remote_kernel_manager.py, remote_kernels_server.py): a person in
remote_kernels.groups gets the gateway's kernelspecs, someone else local
kernels; a notebook's kernel keeps running, with its variables, while the
server is stopped, and the started server finds it again under the same id;
when the gateway culled it, the server's endpoint says so in Japanese (by
kernel id, and once by notebook path when the notebook opens again) and the
notebook's session is gone instead of failing at every cell."""

from __future__ import annotations

import contextlib
import json
import pwd
import re

import pytest
import requests

from campushub.deploy.local.spawner.unix_users import unix_name
from campushub.i18n import translate
from campushub.remote_kernels.messages import CULLED

from ..harness import TEST_PREFIX, Hub, add_people, execute, running, wait_for
from .site import CONFIG, PEOPLE, Site, gateway

NOTEBOOK = "work.ipynb"


@contextlib.contextmanager
def site_with_servers(workdir):
    # culled after a minute idle (EG looks every minute): the stop/start below takes seconds
    config = {**CONFIG, "remote_kernels": {"enabled": True, "groups": ["rk"], "cull_idle_minutes": 1}}
    hub = Hub.create(workdir, config)
    with running(hub):
        site = Site(hub)
        add_people(hub, PEOPLE)
        for name in PEOPLE:
            site.tokens[name] = hub.user_token(name)
        with gateway(site):
            yield site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with site_with_servers(tmp_path_factory.mktemp("remote-kernels-lab")) as s:
        yield s


def lab(site: Site, who: str, method: str, path: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"token {site.tokens[who]}", **kwargs.pop("headers", {})}
    return requests.request(method, f"{site.hub.url}/user/{who}/{path}", headers=headers, timeout=120, **kwargs)


def start_server(site: Site, who: str) -> None:
    r = site.hub.api("POST", f"users/{who}/server")
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: site.hub.server_ready(who), 180, f"{who}'s server to start")


def stop_server(site: Site, who: str) -> None:
    r = site.hub.api("DELETE", f"users/{who}/server")
    assert r.status_code in (202, 204), r.text
    wait_for(lambda: "" not in site.hub.api("GET", f"users/{who}").json().get("servers", {}), 120,
             f"{who}'s server to stop")


def open_notebook(site: Site, who: str, path: str = NOTEBOOK) -> str:
    """What JupyterLab does when a notebook opens: a session for its path; the kernel's id."""
    r = lab(site, who, "POST", "api/sessions", json={"path": path, "name": path, "type": "notebook",
                                                      "kernel": {"name": "campushub-small"}})
    assert r.status_code == 201, r.text
    return r.json()["kernel"]["id"]


def sessions(site: Site, who: str) -> dict[str, str]:
    r = lab(site, who, "GET", "api/sessions")
    assert r.status_code == 200, r.text
    return {s["path"]: s["kernel"]["id"] for s in r.json()}


def run(site: Site, who: str, kernel_id: str, code: str) -> str:
    out = execute(site.hub, who, site.tokens[who], kernel_id, code, timeout=90)
    assert out["error"] is None, out
    return out["stream"]


def run_as_lab_does(site: Site, who: str, kernel_id: str, code: str) -> str:
    """A cell run the way JupyterLab runs it here: by the server (jupyter-server-nbmodel's execute
    endpoint), whose own kernel client talks to the remote kernel; the outputs as JSON text."""
    r = lab(site, who, "POST", f"api/kernels/{kernel_id}/execute", json={"code": code})
    assert r.status_code == 202, r.text
    request = r.headers["Location"].lstrip("/")

    def done():
        found = lab(site, who, "GET", request)
        assert found.status_code in (200, 202), found.text
        return found.text if found.status_code == 200 else None
    return wait_for(done, 90, f"the server to run {code!r}")


@pytest.fixture(scope="module")
def alice(site):
    start_server(site, "alice")
    yield "alice"
    stop_server(site, "alice")


def test_members_get_the_gateway_s_kernels_others_local_ones(site, alice):
    specs = lab(site, "alice", "GET", "api/kernelspecs").json()["kernelspecs"]
    assert "campushub-small" in specs and "python3" not in specs
    start_server(site, "carol")
    try:
        specs = lab(site, "carol", "GET", "api/kernelspecs").json()["kernelspecs"]
        assert "python3" in specs and not any(name.startswith("campushub-") for name in specs)
    finally:
        stop_server(site, "carol")


def test_the_kernel_usage_route_answers_for_a_remote_kernel_and_lab_s_panel_is_off(site, alice):
    """jupyter-resource-usage's kernel usage cannot ask a gateway kernel (no zmq control socket; it was a
    500 with an AssertionError's traceback): the route says "not_supported" and JupyterLab's panel that
    asks it at every kernel change is off in the page's config."""
    kernel_id = open_notebook(site, "alice", "usage.ipynb")
    try:
        r = lab(site, "alice", "GET", f"api/metrics/v1/kernel_usage/get_usage/{kernel_id}")
        assert r.status_code == 200 and r.json()["content"]["reason"] == "not_supported", r.text
        page = lab(site, "alice", "GET", "lab")
        found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page.text, re.S)
        assert page.status_code == 200 and found, page.text[:500]
        assert "@jupyter-server/resource-usage:kernel-panel-item" in json.loads(found.group(1))["disabledExtensions"]
    finally:
        session = next(s["id"] for s in lab(site, "alice", "GET", "api/sessions").json() if s["path"] == "usage.ipynb")
        assert lab(site, "alice", "DELETE", f"api/sessions/{session}").status_code == 204  # its kernel too


def test_a_kernel_and_its_variables_outlive_the_server(site, alice):
    kernel_id = open_notebook(site, "alice")
    uid = pwd.getpwnam(unix_name("alice", TEST_PREFIX)).pw_uid
    assert run(site, "alice", kernel_id, "import os; x = 41 + 1; print(os.getuid())").strip() == str(uid)

    stop_server(site, "alice")
    # the stopping server forgot the kernel instead of deleting it
    assert site.call("alice", "GET", f"api/kernels/{kernel_id}").status_code == 200

    start_server(site, "alice")
    assert sessions(site, "alice") == {NOTEBOOK: kernel_id}  # the reopened notebook finds its kernel
    assert run(site, "alice", kernel_id, "print(x)").strip() == "42"
    assert "43" in run_as_lab_does(site, "alice", kernel_id, "print(x + 1)")
    running_ids = [k["id"] for k in lab(site, "alice", "GET", "api/kernels").json()]
    assert running_ids == [kernel_id]


def test_a_culled_kernel_is_explained_in_japanese(site, alice):
    kernel_id = open_notebook(site, "alice", "idle.ipynb")
    assert run(site, "alice", kernel_id, "print('hello')").strip() == "hello"

    def answer():
        r = lab(site, "alice", "GET", f"campushub/remote-kernels/culled/{kernel_id}",
                headers={"Accept-Language": "ja"})
        assert r.status_code == 200, r.text
        return r.json() if r.json()["culled"] else None

    # EG culls after a minute without activity, looking once a minute
    found = wait_for(answer, 300, "the gateway to cull the idle kernel")
    assert found["message"] == translate("ja", CULLED, minutes=1) != translate("en", CULLED, minutes=1), found
    assert (found["state"], found["idle_minutes"], found["profile"]) == ("culled", 1, "campushub-small")
    # the server no longer offers the dead kernel to the notebook (JupyterLab polls kernels and sessions)
    assert kernel_id not in [k["id"] for k in lab(site, "alice", "GET", "api/kernels").json()]
    assert "idle.ipynb" not in sessions(site, "alice")
    # the notebook opened again (JupyterLab has started a fresh kernel): told once why its variables are gone
    by_path = lab(site, "alice", "GET", "campushub/remote-kernels/culled", params={"path": "idle.ipynb"},
                  headers={"Accept-Language": "ja"})
    assert by_path.status_code == 200 and by_path.json()["message"] == found["message"], by_path.text
    again = lab(site, "alice", "GET", "campushub/remote-kernels/culled", params={"path": "idle.ipynb"})
    assert again.json() == {"culled": False}
    # a live kernel is not culled, and an id that is nobody's gets no story
    other = open_notebook(site, "alice", "other.ipynb")
    r = lab(site, "alice", "GET", f"campushub/remote-kernels/culled/{other}")
    assert r.json()["culled"] is False
    r = lab(site, "alice", "GET", "campushub/remote-kernels/culled/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 200 and r.json() == {"culled": False}
