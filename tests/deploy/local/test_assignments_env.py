"""What `up` hands the assignments service (fast tier: no process runs):
its port, chosen like the hub's internal ones and kept, and the
environment JupyterHub gives a service it runs, with the token file's
token and nothing inherited from the shell `up` was started from."""

from __future__ import annotations

import json

import pytest

from campushub.config import merge, validate
from campushub.deploy.local import ports
from campushub.deploy.local.hub_services_local import ASSIGNMENTS
from campushub.deploy.local.layout import Layout

COURSES = {"ml": {"learners_group": "ml", "tutors_group": "ml-tutors"}}


@pytest.fixture
def layout(tmp_path) -> Layout:
    out = Layout(tmp_path / "data")
    out.ensure()
    return out


def _config(**assignments) -> dict:
    config = validate({"courses": COURSES, "assignments": assignments,
                       "hub": {"base_url": "/campus/", "hub_port": 701, "proxy_api_port": 702, "port": 8000}})
    return merge(config, {"assignments": {"port": config["assignments"]["port"] or 703}})


def test_a_configured_port_is_kept(layout):
    hub = _config()["hub"]
    assert ports.resolve_service("assignments", {"port": 4567}, hub, layout)["port"] == 4567


def test_a_chosen_port_is_free_and_recorded_for_the_next_up(layout):
    hub = _config()["hub"]
    first = ports.resolve_service("assignments", {"port": None}, hub, layout)["port"]
    assert first not in (hub["port"], hub["hub_port"], hub["proxy_api_port"])
    layout.config_copy.write_text(json.dumps({"hub": hub, "assignments": {"port": first}}))
    assert ports.resolve_service("assignments", {"port": None}, hub, layout)["port"] == first
    # a recorded port the hub now uses itself is not taken again
    layout.config_copy.write_text(json.dumps({"hub": hub, "assignments": {"port": hub["hub_port"]}}))
    assert ports.resolve_service("assignments", {"port": None}, hub, layout)["port"] != hub["hub_port"]


def test_the_environment_is_a_hub_services_and_nothing_leaks_in(layout, monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTERHUB_USER", "someone")  # `up` run from inside a notebook server, say
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "not-the-services")
    monkeypatch.setenv("CAMPUSHUB_ASSIGNMENTS_DB_URL", "postgresql://stray/db")
    env = ASSIGNMENTS.environment(_config(), layout, tmp_path / "env")
    assert "JUPYTERHUB_USER" not in env
    assert env["JUPYTERHUB_API_TOKEN"] == layout.assignments_token.read_text().strip()
    assert env["JUPYTERHUB_API_URL"] == "http://127.0.0.1:701/campus/hub/api"
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == "/campus/services/assignments/"
    assert env["JUPYTERHUB_SERVICE_URL"] == "http://127.0.0.1:703"
    assert env["JUPYTERHUB_CLIENT_ID"] == "service-assignments"
    assert env["JUPYTERHUB_OAUTH_CALLBACK_URL"] == "/campus/services/assignments/oauth_callback"
    assert env["JUPYTERHUB_BASE_URL"] == "/campus/"
    assert json.loads(env["JUPYTERHUB_OAUTH_ACCESS_SCOPES"]) == [
        "access:services!service=assignments", "access:services"]
    assert env["CAMPUSHUB_CONFIG"] == str(layout.config_copy)
    assert env["CAMPUSHUB_GRADING_PYTHON"] == str(tmp_path / "env" / "bin" / "python")
    assert env["CAMPUSHUB_ASSIGNMENTS_DB_URL"] == f"sqlite:///{layout.assignments_dir}/assignments.sqlite"


def test_a_configured_database_is_handed_on(layout):
    url = "postgresql://grader:pw@db.example.org/assignments"
    env = ASSIGNMENTS.environment(_config(db_url=url), layout, None)
    assert env["CAMPUSHUB_ASSIGNMENTS_DB_URL"] == url
    assert "CAMPUSHUB_GRADING_PYTHON" not in env


def test_a_busy_port_is_named_with_its_key():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        (busy,) = ASSIGNMENTS.busy(_config(port=port))
    assert busy.startswith(f"assignments.port 127.0.0.1:{port}")
    assert ASSIGNMENTS.busy(merge(_config(port=port), {"assignments": {"enabled": False}})) == []
