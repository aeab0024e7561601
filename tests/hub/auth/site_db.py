"""A course site's user database for tests: real SQLite or PostgreSQL, through SQLAlchemy.

One row per token, as many sites keep them. Columns match the hub config in
`site_token_config`.
"""

from __future__ import annotations

import hashlib
import secrets
import time

import sqlalchemy as sa

SCHEMA = """CREATE TABLE hub_sessions (
    token TEXT PRIMARY KEY, username TEXT NOT NULL, is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    groups TEXT, expires_at BIGINT, revoked BOOLEAN NOT NULL DEFAULT FALSE)"""


class SiteDB:
    def __init__(self, url: str, hashed: bool = False):
        self.url, self.hashed = url, hashed
        self.engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with self.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS hub_sessions"))
            conn.execute(sa.text(SCHEMA))

    def config(self, **extra) -> dict:
        """auth.site_token.database for the hub."""
        return {"url": self.url, "table": "hub_sessions", "token_column": "token",
                "username_column": "username", "admin_column": "is_admin", "groups_column": "groups",
                "expires_column": "expires_at", "revoked_column": "revoked",
                "token_hash": "sha256" if self.hashed else "none", **extra}

    def issue(self, username: str, *, admin: bool = False, groups=(), ttl: float = 3600) -> str:
        token = secrets.token_urlsafe(32)
        stored = hashlib.sha256(token.encode()).hexdigest() if self.hashed else token
        self._run("INSERT INTO hub_sessions (token, username, is_admin, groups, expires_at) "
                  "VALUES (:t, :u, :a, :g, :e)",
                  t=stored, u=username, a=admin, g=",".join(groups), e=int(time.time() + ttl))
        return token

    def set_admin(self, username: str, admin: bool) -> None:
        self._run("UPDATE hub_sessions SET is_admin = :a WHERE username = :u", a=admin, u=username)

    def set_groups(self, username: str, groups) -> None:
        self._run("UPDATE hub_sessions SET groups = :g WHERE username = :u", g=",".join(groups), u=username)

    def revoke(self, token: str) -> None:
        stored = hashlib.sha256(token.encode()).hexdigest() if self.hashed else token
        self._run("UPDATE hub_sessions SET revoked = TRUE WHERE token = :t", t=stored)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM hub_sessions")).scalar()

    def _run(self, sql: str, **params) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(sql), params)
