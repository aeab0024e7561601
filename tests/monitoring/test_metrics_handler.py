"""webservice/metrics.py's handler in a real tornado server whose HubAuth
points at a hub that is not there (nothing listens on its port): a scrape
then gets one translated 503 line, not a traceback, and a request without a
token is refused without asking the hub at all."""

from __future__ import annotations

import asyncio

from jupyterhub.services.auth import HubAuth
from prometheus_client import CollectorRegistry
from tornado import web
from tornado.httpclient import AsyncHTTPClient
from tornado.httpserver import HTTPServer

from campushub.webservice.metrics import route, token_of

from ..harness import free_port


async def _get(headers: dict) -> tuple[int, str]:
    hub = HubAuth(api_url=f"http://127.0.0.1:{free_port()}/hub/api", api_token="x" * 32)
    app = web.Application([route("/services/x/", CollectorRegistry())], hub_auth=hub)
    port = free_port()
    server = HTTPServer(app)
    server.listen(port, "127.0.0.1")
    try:
        r = await AsyncHTTPClient().fetch(f"http://127.0.0.1:{port}/services/x/metrics", headers=headers,
                                          raise_error=False)
        return r.code, r.body.decode()
    finally:
        server.stop()


def test_an_unreachable_hub_is_one_line_not_a_traceback():
    code, body = asyncio.run(_get({"Authorization": "token abc", "Accept-Language": "ru"}))
    assert code == 503
    assert body.strip() and len(body.strip().splitlines()) == 1 and "Traceback" not in body
    assert "хаб" in body.lower()


def test_no_token_is_refused():
    code, body = asyncio.run(_get({}))
    assert code == 403 and "read:metrics" in body


def test_token_header_forms():
    assert token_of("token abc") == token_of("Bearer abc") == token_of("bearer  abc ") == "abc"
    assert token_of("Basic abc") == token_of("") == token_of(None) == token_of("token") == ""


def test_a_failing_count_leaves_the_scrape_standing():
    from prometheus_client import generate_latest

    from campushub.assignments.metrics import families
    from campushub.webservice.metrics import AtScrape, new_registry

    def database_away():
        raise OSError("connection refused")

    registry = new_registry()
    registry.register(AtScrape(database_away, families))
    text = generate_latest(registry).decode()
    assert "process_cpu_seconds_total" in text and "campushub_submissions" not in text
