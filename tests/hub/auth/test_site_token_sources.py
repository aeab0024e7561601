"""Token checks against real site databases (SQLite, PostgreSQL) and a real local HTTP endpoint."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from campushub.hub.auth.site_token.sources import DatabaseSource, HttpSource, SiteUnavailable, well_formed

from .site_db import SiteDB

INJECTIONS = ["' OR '1'='1", "x' OR 1=1 --", "'; DROP TABLE hub_sessions; --", "\" OR \"\"=\"", "%' OR 'a' LIKE '%"]


def source_for(site: SiteDB, **overrides) -> DatabaseSource:
    cfg = site.config(**overrides)
    columns = {"token": cfg["token_column"], "username": cfg["username_column"], "is_admin": cfg["admin_column"],
               "groups": cfg["groups_column"], "expires_at": cfg["expires_column"], "revoked": cfg["revoked_column"]}
    return DatabaseSource(cfg["url"], query=cfg.get("query"), table=cfg["table"], columns=columns,
                          token_hash=cfg["token_hash"], timeout=3)


def check(source, token):
    return asyncio.run(source.check(token))


# PostgreSQL is fetched with getfixturevalue, which tests/tiers.py cannot see: marked by hand
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.stack), "sqlite-hashed"])
def site(request, tmp_path):
    if request.param == "postgresql":
        pg = request.getfixturevalue("postgres")
        name = f"site_{tmp_path.name[-12:].replace('-', '_').lower()}"
        pg.psql(f"CREATE DATABASE {name}")
        return SiteDB(pg.url(name))
    return SiteDB(f"sqlite:///{tmp_path / 'site.db'}", hashed=request.param.endswith("hashed"))


def test_valid_token_gives_user_admin_flag_and_groups(site):
    token = site.issue("hanako", admin=True, groups=["ml101", "staff"])
    info = check(source_for(site), token)
    assert (info.username, info.is_admin, info.groups) == ("hanako", True, ["ml101", "staff"])


def test_expired_revoked_and_unknown_tokens_are_refused(site):
    source = source_for(site)
    expired = site.issue("taro", ttl=-1)
    revoked = site.issue("taro")
    site.revoke(revoked)
    assert check(source, expired) is None
    assert check(source, revoked) is None
    assert check(source, "A" * 43) is None


@pytest.mark.parametrize("attack", INJECTIONS)
def test_sql_injection_shaped_tokens_match_nothing_and_change_nothing(site, attack):
    site.issue("taro")
    # Straight to the database, past the shape check the hub does first.
    assert check(source_for(site), attack) is None
    assert site.count() == 1


def test_query_mode_adds_up_groups_from_several_rows(tmp_path):
    site = SiteDB(f"sqlite:///{tmp_path / 'site.db'}")
    token = site.issue("hanako", groups=["a"])
    with site.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE memberships (username TEXT, grp TEXT)")
        conn.exec_driver_sql("INSERT INTO memberships VALUES ('hanako', 'ml101'), ('hanako', 'ml101-tutors')")
    query = ("SELECT s.token, s.username, s.is_admin, m.grp AS groups, s.expires_at, s.revoked "
             "FROM hub_sessions s JOIN memberships m ON m.username = s.username WHERE s.token = :token")
    info = check(source_for(site, query=query), token)
    assert info.groups == ["ml101", "ml101-tutors"]


def test_database_down_is_unavailable_not_refused_and_never_echoes_the_token(postgres):
    source = DatabaseSource("postgresql://campushub:campushub@127.0.0.1:1/none", query=None,
                            table="hub_sessions", columns={"token": "token", "username": "username"},
                            token_hash="none", timeout=2)
    token = "SECRET" + "x" * 30
    with pytest.raises(SiteUnavailable) as e:
        check(source, token)
    assert token not in str(e.value)


def test_missing_table_is_unavailable(tmp_path):
    site = SiteDB(f"sqlite:///{tmp_path / 'site.db'}")
    with pytest.raises(SiteUnavailable, match="OperationalError"):
        check(source_for(site, table="no_such_table"), "abcdefghijklmnop")


@pytest.mark.parametrize("token, ok", [
    ("abc-DEF_123.~+/=", True), ("", False), (None, False), ("a" * 513, False),
    ("a b", False), ("<script>", False), ("' OR '1'='1", False), ("tok\x00en", False), ("トークン", False),
])
def test_token_shape(token, ok):
    assert well_formed(token, 512) is ok


# --- HTTP endpoint ---------------------------------------------------------------

class Endpoint(BaseHTTPRequestHandler):
    tokens = {"good-token-123456": {"username": "hanako", "is_admin": False, "groups": ["ml101"],
                                    "expires_at": None}}
    mode = "normal"
    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Endpoint.seen.append((self.path, self.headers.get("Authorization"), body))
        if self.headers.get("Authorization") != "Bearer site-key":
            return self._send(401, {})
        if Endpoint.mode == "broken":
            return self._send(500, {"error": "boom"})
        if Endpoint.mode == "garbage":
            return self._send(200, "not json at all")
        info = Endpoint.tokens.get(body.get("token"))
        self._send(200, info) if info else self._send(404, {})

    def _send(self, status, data):
        payload = data.encode() if isinstance(data, str) else json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    # shutdown() waits for the loop to look at its flag: every 0.5 s by default, half a second per test
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    Endpoint.mode, Endpoint.seen = "normal", []
    yield f"http://127.0.0.1:{server.server_address[1]}/api/token"
    server.shutdown()
    server.server_close()


def test_http_endpoint_accepts_refuses_and_keeps_the_token_out_of_the_url(endpoint):
    source = HttpSource(endpoint, api_key="site-key", ca_file=None, timeout=3)
    info = check(source, "good-token-123456")
    assert (info.username, info.groups, info.is_admin) == ("hanako", ["ml101"], False)
    assert check(source, "unknown-token-123456") is None
    with pytest.raises(SiteUnavailable, match="API key"):
        check(HttpSource(endpoint, api_key="wrong-key", ca_file=None, timeout=3), "good-token-123456")
    assert Endpoint.seen[0] == ("/api/token", "Bearer site-key", {"token": "good-token-123456"})


@pytest.mark.parametrize("mode", ["broken", "garbage"])
def test_http_endpoint_failures_are_unavailable(endpoint, mode):
    Endpoint.mode = mode
    with pytest.raises(SiteUnavailable):
        check(HttpSource(endpoint, api_key="site-key", ca_file=None, timeout=3), "good-token-123456")


def test_http_endpoint_down_is_unavailable():
    from tests.harness import free_port

    with pytest.raises(SiteUnavailable):
        check(HttpSource(f"http://127.0.0.1:{free_port()}/x", api_key=None, ca_file=None, timeout=2), "t" * 20)
