"""Kernel culling and the cull warning's endpoint in a real Jupyter server
(jupyter_server from the test venv, the version user environments pin),
configured the way a spawned server is: the environment's server config
(files.py SERVER_CONFIG) and the variables hub/cull_env.py sets."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import requests

from campushub.singleuser.cull_warning import seconds_left
from campushub.singleuser.files import SERVER_CONFIG

from ..harness import wait_for
from .conftest import SERVER_TOKEN, start_server, stop_server

AUTH = {"Authorization": f"token {SERVER_TOKEN}"}
TIMEOUT = 600  # the server's cull timeout: long, the endpoint only counts down to it
KERNEL_TIMEOUT = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cull-warning")
    environ = {
        "CAMPUSHUB_CULL": json.dumps({"timeout": TIMEOUT, "max_age": 0, "warning": 300, "texts": {}}),
        "CAMPUSHUB_KERNEL_CULLING": json.dumps(
            {"timeout": KERNEL_TIMEOUT, "interval": 1, "cull_busy": False, "cull_connected": True}),
    }
    process, url, _home = start_server(tmp, None, extension="campushub_cull_warning",
                                       packages=("campushub_cull_warning.py",), environ=environ,
                                       config_py=SERVER_CONFIG)
    try:
        yield SimpleNamespace(url=url, process=process)
    finally:
        stop_server(process)
        shutil.rmtree(tmp, ignore_errors=True)


def last_activity(server) -> str:
    # /api/status does not count as activity itself (jupyter_server's own rule)
    return requests.get(server.url + "api/status", headers=AUTH, timeout=10).json()["last_activity"]


def status(server) -> dict:
    r = requests.get(server.url + "campushub/culling", headers=AUTH, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_page_learns_the_seconds_left_and_its_questions_are_not_activity(server):
    first = status(server)
    assert first["reason"] == "idle" and first["warning"] == 300
    assert 0 < first["seconds_left"] <= TIMEOUT
    before = last_activity(server)
    # what an open JupyterLab asks every few seconds, and the warning's own question
    for path in ("api/kernels", "api/sessions", "api/contents", "api/kernelspecs", "campushub/culling"):
        assert requests.get(server.url + path, headers=AUTH, timeout=10).ok, path
    assert last_activity(server) == before
    assert status(server)["seconds_left"] <= first["seconds_left"]


def test_keep_working_is_activity_and_needs_the_persons_login(server):
    assert requests.post(server.url + "campushub/culling/keep", timeout=10).status_code == 403
    assert requests.get(server.url + "campushub/culling", timeout=10).status_code == 403
    before = last_activity(server)
    r = requests.post(server.url + "campushub/culling/keep", headers=AUTH, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["seconds_left"] >= TIMEOUT - 2
    assert last_activity(server) > before


def test_a_cross_site_keep_without_the_xsrf_token_is_refused(server):
    browser = requests.Session()  # a person logged in by cookie, as through the hub
    r = browser.get(f"{server.url}login?next=/", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', r.text).group(1)
    r = browser.post(f"{server.url}login", data={"password": SERVER_TOKEN, "_xsrf": xsrf}, allow_redirects=False,
                     timeout=30)
    assert r.status_code == 302, r.text[:300]
    before = last_activity(server)
    assert browser.post(server.url + "campushub/culling/keep", timeout=10).status_code == 403
    assert last_activity(server) == before
    r = browser.post(server.url + "campushub/culling/keep", headers={"X-XSRFToken": browser.cookies["_xsrf"]},
                     timeout=10)
    assert r.status_code == 200, r.text
    assert last_activity(server) > before


def test_a_saved_file_is_activity(server):
    before = last_activity(server)
    r = requests.put(server.url + "api/contents/notes.txt", headers=AUTH, timeout=10,
                     json={"type": "file", "format": "text", "content": "hello"})
    assert r.status_code in (200, 201), r.text
    assert last_activity(server) > before


def test_an_idle_kernel_is_culled_and_the_server_stays(server):
    r = requests.post(server.url + "api/kernels", headers=AUTH, json={"name": "python3"}, timeout=60)
    assert r.status_code == 201, r.text
    kernel = r.json()["id"]
    wait_for(lambda: kernel not in [k["id"] for k in requests.get(
        server.url + "api/kernels", headers=AUTH, timeout=10).json()], 60, "the idle kernel to be culled")
    assert server.process.poll() is None
    assert requests.get(server.url + "api/status", headers=AUTH, timeout=10).ok


def _app(idle: float, age: float):
    now = datetime.now(UTC)
    return SimpleNamespace(last_activity=lambda: now - timedelta(seconds=idle),
                           settings={"started": now - timedelta(seconds=age)}), now


def test_seconds_left_is_the_earlier_of_idle_timeout_and_max_age():
    app, now = _app(idle=100, age=1000)
    assert seconds_left(app, {"timeout": 600, "max_age": 0}, now) == (500, "idle")
    assert seconds_left(app, {"timeout": 600, "max_age": 1200}, now) == (200, "max_age")
    app, now = _app(idle=700, age=700)
    assert seconds_left(app, {"timeout": 600, "max_age": 0}, now) == (0, "idle")


def test_every_environment_gets_the_extension_and_the_built_plugin():
    from campushub.singleuser.files import LAB_EXTENSION, SITE_PACKAGES, server_files

    files = server_files()
    assert SITE_PACKAGES + "campushub_cull_warning.py" in files
    assert json.loads(files["etc/jupyter/jupyter_server_config.d/campushub_cull_warning.json"]) == {
        "ServerApp": {"jpserver_extensions": {"campushub_cull_warning": True}}}
    built = "".join(t for p, t in files.items() if p.startswith(LAB_EXTENSION + "static/"))
    assert "@campushub/assignments:cull-warning" in built and "campushubCulling" in built


def test_the_server_config_turns_the_variable_into_kernel_culling(monkeypatch):
    from traitlets.config import Config

    monkeypatch.setenv("CAMPUSHUB_KERNEL_CULLING", json.dumps(
        {"timeout": 900, "interval": 60, "cull_busy": False, "cull_connected": True}))
    c = Config()
    exec(compile(SERVER_CONFIG, "jupyter_server_config.py", "exec"), {"c": c})
    kernels = c.MappingKernelManager
    assert (kernels.cull_idle_timeout, kernels.cull_interval, kernels.cull_busy, kernels.cull_connected) == (
        900, 60, False, True)
    monkeypatch.delenv("CAMPUSHUB_KERNEL_CULLING")
    c = Config()
    exec(compile(SERVER_CONFIG, "jupyter_server_config.py", "exec"), {"c": c})
    assert "cull_idle_timeout" not in c.MappingKernelManager


class Reporter:
    """JupyterHub's singleuser extension as HubReport sees it: its record of the last report, and the report."""

    def __init__(self, sent):
        self._last_activity_sent, self.sent = sent, 0

    async def notify_activity(self):
        self.sent += 1


def test_activity_near_the_cull_reaches_the_hub_at_once():
    from campushub.singleuser.cull_warning import HubReport

    async def looks(last_report_ago: float, idle: float) -> int:
        now = datetime.now(UTC)
        reporter = Reporter(now - timedelta(seconds=last_report_ago))
        web_app = SimpleNamespace(last_activity=lambda: now - timedelta(seconds=idle),
                                  settings={"started": now - timedelta(hours=1)})
        serverapp = SimpleNamespace(web_app=web_app, extension_manager=SimpleNamespace(
            extension_apps={"jupyterhub-singleuser": {reporter}}))
        HubReport(serverapp, {"timeout": 600, "warning": 300}).look()
        await asyncio.sleep(0)  # the report runs as a task
        return reporter.sent

    # the hub's view is 400 s old (past timeout - warning) and something happened 5 s ago: tell it now
    assert asyncio.run(looks(400, 5)) == 1
    # nothing new since the last report, or the cull still far off for the hub: the regular reports do
    assert asyncio.run(looks(400, 500)) == 0
    assert asyncio.run(looks(100, 5)) == 0
