"""What `up` hands the analytics service (fast tier: no process runs): the
same description as the assignments service's (hub_services_local.py) with
its own names, and a port of its own, chosen once and kept."""

from __future__ import annotations

import json

import pytest

from campushub.config import merge, validate
from campushub.deploy.local import hub_services_local, ports
from campushub.deploy.local.hub_services_local import ANALYTICS, ASSIGNMENTS
from campushub.deploy.local.layout import Layout


@pytest.fixture
def layout(tmp_path) -> Layout:
    out = Layout(tmp_path / "data")
    out.ensure()
    return out


def _config(**analytics) -> dict:
    config = validate({"analytics": analytics,
                       "hub": {"base_url": "/campus/", "hub_port": 701, "proxy_api_port": 702, "port": 8000}})
    return merge(config, {"analytics": {"port": config["analytics"]["port"] or 704}})


def test_the_environment_names_the_service_and_its_own_database(layout, monkeypatch):
    monkeypatch.setenv("CAMPUSHUB_ANALYTICS_DB_URL", "postgresql://stray/db")  # not inherited from up's shell
    env = ANALYTICS.environment(_config(), layout, layout.data_dir / "env")
    assert env["JUPYTERHUB_SERVICE_NAME"] == "analytics"
    assert env["JUPYTERHUB_API_TOKEN"] == layout.service_token("analytics").read_text().strip()
    assert env["JUPYTERHUB_API_TOKEN"] != ASSIGNMENTS.token(layout)  # a token each
    assert env["JUPYTERHUB_API_URL"] == "http://127.0.0.1:701/campus/hub/api"
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == "/campus/services/analytics/"
    assert env["JUPYTERHUB_SERVICE_URL"] == "http://127.0.0.1:704"
    assert env["JUPYTERHUB_CLIENT_ID"] == "service-analytics"
    assert env["JUPYTERHUB_OAUTH_CALLBACK_URL"] == "/campus/services/analytics/oauth_callback"
    assert json.loads(env["JUPYTERHUB_OAUTH_ACCESS_SCOPES"]) == ["access:services!service=analytics",
                                                                 "access:services"]
    assert env["CAMPUSHUB_CONFIG"] == str(layout.config_copy)
    assert env["CAMPUSHUB_ANALYTICS_DIR"] == str(layout.data_dir / "analytics")
    assert env["CAMPUSHUB_ANALYTICS_DB_URL"] == f"sqlite:///{layout.data_dir}/analytics/analytics.sqlite"
    assert "CAMPUSHUB_GRADING_PYTHON" not in env  # it runs nobody's code
    url = "postgresql://analytics:pw@db.example.org/analytics"
    assert ANALYTICS.environment(_config(db_url=url), layout, None)["CAMPUSHUB_ANALYTICS_DB_URL"] == url


def test_it_runs_without_courses_unless_turned_off():
    assert hub_services_local.wanted(_config()) == [ANALYTICS]
    assert hub_services_local.wanted(_config(enabled=False)) == []
    both = merge(_config(), {"courses": {"ml": {"learners_group": "ml", "tutors_group": "ml-tutors"}}})
    assert hub_services_local.wanted(both) == [ASSIGNMENTS, ANALYTICS]  # the order `up` starts them
    # a config copy an older `up` wrote has no analytics section: not "wanted", no KeyError
    old = {k: v for k, v in _config().items() if k != "analytics"}
    assert not ANALYTICS.wanted(old)


def test_a_chosen_port_is_kept_and_never_another_services(layout):
    hub = _config()["hub"]
    first = ports.resolve_service("analytics", {"port": None}, hub, layout, others=(703,))["port"]
    assert first not in (hub["port"], hub["hub_port"], hub["proxy_api_port"], 703)
    layout.config_copy.write_text(json.dumps({"hub": hub, "analytics": {"port": first}}))
    assert ports.resolve_service("analytics", {"port": None}, hub, layout)["port"] == first
    # recorded, but now the assignments service's configured port: another one
    assert ports.resolve_service("analytics", {"port": None}, hub, layout, others=(first,))["port"] != first


def test_a_busy_port_is_named_with_its_key():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        (busy,) = ANALYTICS.busy(_config(port=port))
        assert ANALYTICS.busy(_config(enabled=False, port=port)) == []
    assert busy.startswith(f"analytics.port 127.0.0.1:{port}")
