"""What `up` hands the hub services it runs, assignments and analytics, by
one description each (hub_services_local.py; fast tier: no process runs):
their ports, chosen like the hub's internal ones, kept, and never one
another's; the environment JupyterHub gives a service it runs, with the
service's own token file and names and nothing inherited from the shell
`up` was started from."""

from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest

from campushub.config import merge, validate
from campushub.deploy.local import hub_services_local, ports
from campushub.deploy.local.hub_services_local import ANALYTICS, ASSIGNMENTS, HELP, PROJECTS
from campushub.deploy.local.layout import Layout

COURSES = {"ml": {"learners_group": "ml", "tutors_group": "ml-tutors"}}
PORTS = {"assignments": 703, "analytics": 704, "projects": 705}
BOTH = pytest.mark.parametrize("service", [ASSIGNMENTS, ANALYTICS], ids=lambda s: s.name)


@pytest.fixture
def layout(tmp_path) -> Layout:
    out = Layout(tmp_path / "data")
    out.ensure()
    return out


def _config(assignments: dict | None = None, analytics: dict | None = None) -> dict:
    config = validate({"courses": COURSES, "assignments": assignments or {}, "analytics": analytics or {},
                       "hub": {"base_url": "/campus/", "hub_port": 701, "proxy_api_port": 702, "port": 8000}})
    return merge(config, {name: {"port": config[name]["port"] or port} for name, port in PORTS.items()})


def test_a_configured_port_is_kept(layout):
    hub = _config()["hub"]
    assert ports.resolve_service("assignments", {"port": 4567}, hub, layout)["port"] == 4567


@BOTH
def test_a_chosen_port_is_free_recorded_for_the_next_up_and_no_other_services(layout, service):
    hub = _config()["hub"]
    first = ports.resolve_service(service.name, {"port": None}, hub, layout, others=(705,))["port"]
    assert first not in (hub["port"], hub["hub_port"], hub["proxy_api_port"], 705)
    layout.config_copy.write_text(json.dumps({"hub": hub, service.name: {"port": first}}))
    assert ports.resolve_service(service.name, {"port": None}, hub, layout)["port"] == first
    # a recorded port the hub, or another service, now uses is not taken again
    layout.config_copy.write_text(json.dumps({"hub": hub, service.name: {"port": hub["hub_port"]}}))
    assert ports.resolve_service(service.name, {"port": None}, hub, layout)["port"] != hub["hub_port"]
    layout.config_copy.write_text(json.dumps({"hub": hub, service.name: {"port": first}}))
    assert ports.resolve_service(service.name, {"port": None}, hub, layout, others=(first,))["port"] != first


@BOTH
def test_the_environment_is_a_hub_services_and_nothing_leaks_in(layout, monkeypatch, tmp_path, service):
    upper = service.name.upper()
    monkeypatch.setenv("JUPYTERHUB_USER", "someone")  # `up` run from inside a notebook server, say
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "not-the-services")
    monkeypatch.setenv(f"CAMPUSHUB_{upper}_DB_URL", "postgresql://stray/db")
    env = service.environment(_config(), layout, tmp_path / "env")
    assert "JUPYTERHUB_USER" not in env
    assert env["JUPYTERHUB_SERVICE_NAME"] == service.name
    assert env["JUPYTERHUB_API_TOKEN"] == layout.service_token(service.name).read_text().strip()
    assert env["JUPYTERHUB_API_URL"] == "http://127.0.0.1:701/campus/hub/api"
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == f"/campus/services/{service.name}/"
    assert env["JUPYTERHUB_SERVICE_URL"] == f"http://127.0.0.1:{PORTS[service.name]}"
    assert env["JUPYTERHUB_CLIENT_ID"] == f"service-{service.name}"
    assert env["JUPYTERHUB_OAUTH_CALLBACK_URL"] == f"/campus/services/{service.name}/oauth_callback"
    assert env["JUPYTERHUB_BASE_URL"] == "/campus/"
    assert json.loads(env["JUPYTERHUB_OAUTH_ACCESS_SCOPES"]) == [
        f"access:services!service={service.name}", "access:services"]
    assert env["CAMPUSHUB_CONFIG"] == str(layout.config_copy)
    assert env[f"CAMPUSHUB_{upper}_DIR"] == str(layout.data_dir / service.name)
    assert env[f"CAMPUSHUB_{upper}_DB_URL"] == f"sqlite:///{layout.data_dir}/{service.name}/{service.name}.sqlite"


def test_a_token_each_and_only_the_grader_gets_the_environments_python(layout, tmp_path):
    assert ASSIGNMENTS.token(layout) != ANALYTICS.token(layout)
    assert ASSIGNMENTS.environment(_config(), layout, tmp_path / "env")["CAMPUSHUB_GRADING_PYTHON"] == \
        str(tmp_path / "env" / "bin" / "python")
    assert "CAMPUSHUB_GRADING_PYTHON" not in ANALYTICS.environment(_config(), layout, tmp_path / "env")


@BOTH
def test_a_configured_database_is_handed_on(layout, service):
    url = f"postgresql://{service.name}:pw@db.example.org/{service.name}"
    env = service.environment(_config(**{service.name: {"db_url": url}}), layout, None)
    assert env[f"CAMPUSHUB_{service.name.upper()}_DB_URL"] == url
    assert "CAMPUSHUB_GRADING_PYTHON" not in env


def test_which_run_and_in_what_order():
    # the order `up` starts them
    assert hub_services_local.wanted(_config()) == [ASSIGNMENTS, ANALYTICS, PROJECTS, HELP]
    # analytics, projects and the help portal need no course
    assert hub_services_local.wanted({**_config(), "courses": {}}) == [ANALYTICS, PROJECTS, HELP]
    assert hub_services_local.wanted(_config(analytics={"enabled": False})) == [ASSIGNMENTS, PROJECTS, HELP]
    assert hub_services_local.wanted(merge(_config(), {"projects": {"enabled": False}})) == [ASSIGNMENTS, ANALYTICS,
                                                                                             HELP]
    assert hub_services_local.wanted(merge(_config(), {"help": {"enabled": False}})) == [ASSIGNMENTS, ANALYTICS,
                                                                                         PROJECTS]
    # a config copy an older `up` wrote has no analytics section: not "wanted", no KeyError
    assert not ANALYTICS.wanted({k: v for k, v in _config().items() if k != "analytics"})


@BOTH
def test_a_busy_port_is_named_with_its_key(service):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        (busy,) = service.busy(_config(**{service.name: {"port": port}}))
        assert service.busy(_config(**{service.name: {"port": port, "enabled": False}})) == []
    assert busy.startswith(f"{service.name}.port 127.0.0.1:{port}")


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 302

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(self.status)
        self.send_header("Location", "/hub/login")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_waiting_ends_at_its_first_answer_short_of_an_error_and_names_what_failed():
    # a real HTTP server on the service's port: a 302 (a browser sent to log in) is ready, a 404 never is
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = _config(analytics={"port": server.server_address[1]})
        ANALYTICS.wait(config, None, timeout=10)
        _Answer.status = 404
        with pytest.raises(RuntimeError) as e:
            ANALYTICS.wait(config, None, timeout=1)
        assert str(e.value) == (f"the analytics service did not answer http://127.0.0.1:{server.server_address[1]}"
                                "/campus/services/analytics/ within 1s (HTTP 404)")
    finally:
        server.shutdown()
        server.server_close()
