"""Outputs that survive a closed tab with a remote kernel: the same run as
test_outputs_survive.py, in a notebook whose kernel Enterprise Gateway runs
(a real hub, gateway and front: tests/remote_kernels/test_lab_side_stack.py).
jupyter-server-nbmodel's kernel client reaches it through the server's
gateway client, so the server still writes what it prints into the notebook."""

from __future__ import annotations

import re

import pytest
import requests

from ..conftest import make_user
from ..harness import Browserless
from ..remote_kernels.test_lab_side_stack import site_with_servers, start_server
from .test_browser import submit_login
from .test_outputs_survive import NOTEBOOK, outputs_survive_a_closed_tab

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with site_with_servers(tmp_path_factory.mktemp("remote-kernels-browser")) as s:
        yield s


def test_a_remote_kernels_output_survives_a_closed_tab(site, new_page):
    hub = site.hub
    admin = Browserless(hub, "admin", hub.admin_password)
    assert admin.login().status_code == 302
    rhea = make_user(hub, admin, "rhea")
    assert hub.api("POST", "groups/rk/users", json={"users": [rhea.name]}).status_code == 200
    start_server(site, rhea.name)  # through the API: this site's policy has a spawn form
    page = new_page("en-US")
    page.goto(f"{hub.url}/hub/login")
    submit_login(page, rhea)
    # Idle: JupyterLab's own websocket reaches the gateway's kernel (it stayed "Unknown" while a connection
    # it had closed at once held EG's reconnect: singleuser/remote_kernel_manager.RemoteKernelWebsocket)
    outputs_survive_a_closed_tab(hub, page, rhea, kernel="campushub-small", ready=re.compile(r"^Small \| Idle$"))
    r = requests.get(f"{hub.url}/user/{rhea.name}/api/sessions", timeout=30,
                     headers={"Authorization": f"token {hub.user_token(rhea.name)}"})
    kernels = [s["kernel"]["id"] for s in r.json() if s["path"] == NOTEBOOK]
    assert len(kernels) == 1 and kernels[0] in site.eg_kernels(), "the notebook's kernel was not the gateway's"
