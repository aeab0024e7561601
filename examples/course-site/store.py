"""The course site's SQLite database: users, the tokens handed to CampusHub,
and the site's own sessions.

The hub may read this file directly (auth.site_token.database), so the view
`campushub_tokens` is the contract with it: one row per token, carrying the
user's current admin flag and groups. Tokens and session ids are stored only
as SHA-256 hex digests, so a copy of the database cannot sign anyone in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    groups        TEXT NOT NULL DEFAULT ''      -- comma-separated
);
CREATE TABLE IF NOT EXISTS hub_tokens (
    token_sha256 TEXT PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    expires_at   INTEGER NOT NULL,              -- unix seconds
    revoked      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS site_sessions (
    session_sha256 TEXT PRIMARY KEY,
    token_sha256   TEXT NOT NULL REFERENCES hub_tokens(token_sha256) ON DELETE CASCADE
);
CREATE VIEW IF NOT EXISTS campushub_tokens AS
    SELECT t.token_sha256, t.username, u.is_admin, u.groups, t.expires_at, t.revoked
    FROM hub_tokens t JOIN users u ON u.username = t.username;
"""

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# 16 MiB of memory per hash: slow enough for a demo, within hashlib's default limit.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class StoreError(ValueError):
    """Input a person can fix; the message is shown to them as is."""


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def connect(path: str) -> sqlite3.Connection:
    # A connection per request: sqlite3 connections must stay in one thread,
    # and the hub may be reading the same file at the same time.
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def init(path: str) -> None:
    conn = connect(path)
    try:
        conn.executescript(SCHEMA)
    finally:
        conn.close()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _password_ok(stored: str, password: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
        mine = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(mine.hex(), digest)


def parse_groups(text: str) -> str:
    groups = [g.strip() for g in text.split(",") if g.strip()]
    for g in groups:
        if not GROUP.match(g):
            raise StoreError(f"group name {g!r} is not allowed: use letters, digits, '.', '_' or '-'")
    return ",".join(dict.fromkeys(groups))


def add_user(conn, username: str, password: str, *, admin: bool, groups: str) -> None:
    if not USERNAME.match(username):
        raise StoreError("user name must be 1-32 lowercase letters, digits, '.', '_' or '-'")
    if len(password) < 8:
        raise StoreError("password must be at least 8 characters")
    conn.execute(
        "INSERT INTO users (username, password_hash, is_admin, groups) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash, "
        "is_admin = excluded.is_admin, groups = excluded.groups",
        (username, hash_password(password), int(admin), parse_groups(groups)),
    )


def _update_user(conn, username: str, column: str, value) -> None:
    cur = conn.execute(f"UPDATE users SET {column} = ? WHERE username = ?", (value, username))
    if cur.rowcount == 0:
        raise StoreError(f"no user named {username!r}")


def set_admin(conn, username: str, admin: bool) -> None:
    _update_user(conn, username, "is_admin", int(admin))


def set_groups(conn, username: str, groups: str) -> str:
    groups = parse_groups(groups)
    _update_user(conn, username, "groups", groups)
    return groups


def check_password(conn, username: str, password: str) -> bool:
    row = conn.execute("SELECT password_hash FROM users WHERE username = ?", (username,)).fetchone()
    # Hash even for unknown names, so timing does not reveal which names exist.
    return _password_ok(row["password_hash"] if row else "scrypt$00$00", password) and row is not None


def start_session(conn, username: str, ttl: int) -> tuple[str, str]:
    """A new site session and a new hub token for one sign-in; returns both raw values."""
    session, token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO hub_tokens (token_sha256, username, expires_at) VALUES (?, ?, ?)",
                     (sha256(token), username, int(time.time()) + ttl))
        conn.execute("INSERT INTO site_sessions (session_sha256, token_sha256) VALUES (?, ?)",
                     (sha256(session), sha256(token)))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return session, token


def replace_token(conn, session: str, username: str, expires_at: int) -> str:
    """A fresh hub token for a live session whose browser lost the old one;
    it ends when the session does."""
    token = secrets.token_urlsafe(32)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("UPDATE hub_tokens SET revoked = 1 WHERE token_sha256 = "
                     "(SELECT token_sha256 FROM site_sessions WHERE session_sha256 = ?)", (sha256(session),))
        conn.execute("INSERT INTO hub_tokens (token_sha256, username, expires_at) VALUES (?, ?, ?)",
                     (sha256(token), username, expires_at))
        conn.execute("UPDATE site_sessions SET token_sha256 = ? WHERE session_sha256 = ?",
                     (sha256(token), sha256(session)))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return token


def session_user(conn, session: str) -> sqlite3.Row | None:
    """The signed-in user, while the session's hub token is neither revoked nor expired."""
    if not session:
        return None
    return conn.execute(
        "SELECT t.username, t.token_sha256, t.expires_at FROM site_sessions s "
        "JOIN hub_tokens t ON t.token_sha256 = s.token_sha256 "
        "WHERE s.session_sha256 = ? AND t.revoked = 0 AND t.expires_at > ?",
        (sha256(session), int(time.time())),
    ).fetchone()


def end_session(conn, session: str) -> None:
    """Sign-out: the hub refuses the token from now on; the row stays for the record."""
    if not session:
        return
    conn.execute(
        "UPDATE hub_tokens SET revoked = 1 WHERE token_sha256 = "
        "(SELECT token_sha256 FROM site_sessions WHERE session_sha256 = ?)", (sha256(session),))
    conn.execute("DELETE FROM site_sessions WHERE session_sha256 = ?", (sha256(session),))


def token_info(conn, token: str) -> tuple[str, dict | None]:
    """What the HTTP endpoint answers: ("ok", info), ("refused", None) or ("unknown", None)."""
    row = conn.execute("SELECT * FROM campushub_tokens WHERE token_sha256 = ?", (sha256(token),)).fetchone()
    if row is None:
        return "unknown", None
    if row["revoked"] or row["expires_at"] <= time.time():
        return "refused", None
    groups = [g for g in row["groups"].split(",") if g]
    return "ok", {"username": row["username"], "is_admin": bool(row["is_admin"]),
                  "groups": groups, "expires_at": row["expires_at"]}
