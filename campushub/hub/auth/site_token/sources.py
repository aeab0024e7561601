"""Where a site token is checked: the site's database or an HTTP endpoint.

Both answer the same question -- whose token is this, is it still good -- and
distinguish "no" (None) from "cannot tell now" (SiteUnavailable), because a
learner must see "try again later", not "your token is invalid", while the
site's database restarts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass

# Tokens from real sites are URL-safe base64, hex, JWTs or UUIDs. Anything
# else (spaces, quotes, control characters) is refused before the site is
# asked, so odd input never reaches a query or a log line.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9._~+/=-]+")
_TRUE = {"1", "t", "true", "y", "yes", "on"}


class SiteUnavailable(Exception):
    """The site could not answer (down, timed out, answered nonsense)."""


@dataclass(frozen=True)
class TokenInfo:
    username: str
    is_admin: bool | None  # None: the site does not say, keep the hub's setting
    groups: list[str] | None  # None: the site does not say, keep the hub's groups
    expires_at: float | None


def well_formed(token: str | None, max_length: int) -> bool:
    return bool(token) and len(token) <= max_length and _TOKEN_SHAPE.fullmatch(token) is not None


def lookup_value(token: str, token_hash: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest() if token_hash == "sha256" else token


def parse_expiry(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parse_expiry(parsed)


def parse_groups(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        value = json.loads(text) if text.startswith("[") else text.split(",")
    return [str(g).strip() for g in value if str(g).strip()]


def parse_flag(value) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def still_valid(info: TokenInfo | None) -> TokenInfo | None:
    if info is None or (info.expires_at is not None and info.expires_at <= time.time()):
        return None
    return info


class DatabaseSource:
    """Reads the site's database through SQLAlchemy, always with a bound :token."""

    def __init__(self, url: str, *, query: str | None, table: str, columns: dict,
                 token_hash: str, timeout: float):
        import sqlalchemy

        self.token_hash, self.timeout = token_hash, timeout
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]  # the driver we ship (psycopg 3)
        self.engine = sqlalchemy.create_engine(url, pool_pre_ping=True, connect_args=_connect_args(url, timeout))
        self.statement = sqlalchemy.text(query or self._select(table, columns))

    def _select(self, table: str, columns: dict) -> str:
        quote = self.engine.dialect.identifier_preparer.quote
        source = ".".join(quote(part) for part in table.split("."))
        picked = [f"{quote(col)} AS {name}" for name, col in columns.items() if col]
        return f"SELECT {', '.join(picked)} FROM {source} WHERE {quote(columns['token'])} = :token"

    async def check(self, token: str) -> TokenInfo | None:
        wanted = lookup_value(token, self.token_hash)
        try:
            rows = await asyncio.wait_for(asyncio.to_thread(self._rows, wanted), self.timeout + 1)
        except Exception as e:
            # Driver messages can quote the statement's parameters: name the
            # failure, never repeat the token.
            raise SiteUnavailable(_describe(e).replace(token, "[secret]").replace(wanted, "[secret]")) from None
        # The database matched on equality; confirm in constant time so the
        # decision itself does not depend on how much of the token matched.
        rows = [r for r in rows if hmac.compare_digest(str(r.get("token", "")).encode(), wanted.encode())]
        try:
            return _info_from_rows(rows)
        except (ValueError, TypeError) as e:
            raise SiteUnavailable(f"the site database returned a value we cannot read ({type(e).__name__})") from None

    def _rows(self, wanted: str) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(self.statement, {"token": wanted}).fetchmany(100)]


def _info_from_rows(rows: list[dict]) -> TokenInfo | None:
    """Several rows (one per group, say) must agree on the user; their groups add up."""
    names = {str(r.get("username") or "") for r in rows}
    if len(names) != 1 or "" in names or any(parse_flag(r.get("revoked")) for r in rows):
        return None
    admin_values = [parse_flag(r.get("is_admin")) for r in rows if "is_admin" in r]
    groups = sorted({g for r in rows if "groups" in r for g in parse_groups(r["groups"])})
    expiries = [parse_expiry(r.get("expires_at")) for r in rows if "expires_at" in r]
    return still_valid(TokenInfo(
        username=names.pop(),
        is_admin=any(admin_values) if admin_values else None,
        groups=groups if any("groups" in r for r in rows) else None,
        expires_at=min((e for e in expiries if e is not None), default=None),
    ))


def _connect_args(url: str, timeout: float) -> dict:
    if url.startswith("postgresql"):
        ms = int(timeout * 1000)
        return {"connect_timeout": max(1, int(timeout)), "options": f"-c statement_timeout={ms}"}
    if url.startswith("sqlite"):
        return {"timeout": timeout}
    return {}


def _describe(e: BaseException) -> str:
    orig = getattr(e, "orig", None) or e
    first_line = (str(orig).strip().splitlines() or [""])[0][:200]
    return f"{type(orig).__name__}: {first_line}" if first_line else type(orig).__name__


class HttpSource:
    """POSTs the token (in the body, never the URL) to the site's endpoint."""

    def __init__(self, url: str, *, api_key: str | None, ca_file: str | None, timeout: float):
        self.url, self.api_key, self.ca_file, self.timeout = url, api_key, ca_file, timeout

    async def check(self, token: str) -> TokenInfo | None:
        from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = HTTPRequest(self.url, method="POST", headers=headers, body=json.dumps({"token": token}),
                              request_timeout=self.timeout, connect_timeout=self.timeout,
                              ca_certs=self.ca_file, follow_redirects=False)
        try:
            response = await AsyncHTTPClient().fetch(request)
        except HTTPClientError as e:
            if e.code in (403, 404):
                return None
            if e.code == 401:  # the hub's own key, not the learner's token, was refused
                raise SiteUnavailable("the endpoint refused the hub's API key (401)") from None
            raise SiteUnavailable(f"the endpoint answered HTTP {e.code}") from None
        except Exception as e:
            raise SiteUnavailable(_describe(e).replace(token, "[secret]")) from None
        try:
            data = json.loads(response.body)
            username = data["username"]
            if not isinstance(username, str) or not username.strip():
                raise ValueError("username")
            return still_valid(TokenInfo(
                username=username.strip(),
                is_admin=parse_flag(data.get("is_admin")),
                groups=parse_groups(data["groups"]) if "groups" in data else None,
                expires_at=parse_expiry(data.get("expires_at")),
            ))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise SiteUnavailable("the endpoint's answer is not the expected JSON") from None
