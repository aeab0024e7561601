"""Live: the release's auth really checks people: a wrong password does not
log in, and the REST API starts nobody's server without credentials."""

from __future__ import annotations

import pytest
import requests

from ..harness import Browserless

pytestmark = [pytest.mark.kubernetes, pytest.mark.stack]


def test_a_wrong_password_does_not_log_in(k8s_hub, learner):
    intruder = Browserless(k8s_hub, learner.name, "not-the-password-2026")
    r = intruder.login()
    assert r.status_code != 302, "a wrong password logged in"
    r = requests.post(f"{k8s_hub.url}/hub/api/users/{learner.name}/server", json={}, timeout=30)
    assert r.status_code in (401, 403), f"an anonymous spawn answered {r.status_code}"
