"""Create the first admin from the CLI, before the hub runs."""

from __future__ import annotations

import json
import os
import secrets

import bcrypt


def account_exists(db_url: str, username: str) -> bool:
    import sqlalchemy as sa  # here: 0.6 s of CPU that every CLI command paid (cli/up.py imports this)

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("users_info"):
                return False
            row = conn.execute(sa.text("SELECT 1 FROM users_info WHERE username = :u"), {"u": username})
            return row.first() is not None
    finally:
        engine.dispose()


def one_time_password() -> tuple[str, str]:
    """(password, its bcrypt hash as nativeauthenticator stores it)."""
    password = secrets.token_urlsafe(12)
    return password, bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def prepare_admin(path: str, username: str) -> str:
    """Write the bootstrap file; return the one-time plaintext password."""
    password, hashed = one_time_password()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"username": username, "password_hash": hashed}, f)
    return password
