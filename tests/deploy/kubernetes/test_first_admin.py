"""The first admin of a release with native accounts, created in the hub
database from inside the hub pod. No pod here: the command runs as it would
there, against a real SQLite database that holds nativeauthenticator's table
(PostgreSQL in a release), with the URL in the environment as the release's
Secret gives it; the password is checked with nativeauthenticator's own
check, the one its login uses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sqlalchemy as sa
from nativeauthenticator.orm import UserInfo
from sqlalchemy.orm import Session

from campushub.deploy.kubernetes import first_admin

from ...inprocess import run

MODULE = "campushub.deploy.kubernetes.first_admin"


@pytest.fixture
def site(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    engine = sa.create_engine(db_url)
    UserInfo.__table__.create(engine)
    engine.dispose()
    config = tmp_path / "campushub.yaml"
    config.write_text(json.dumps({"hub": {"admin_users": ["Teacher"]}, "auth": {"type": "native"},
                                  "kubernetes": {}}))
    return config, db_url


def _env(db_url):
    return {"CAMPUSHUB_HUB_DB_URL": db_url, "PATH": "/usr/bin:/bin"}


def _run(config, db_url, *args):
    """first_admin's main in this process, with the environment the pod gives it."""
    return run(lambda argv: first_admin.main(argv, _env(db_url)), ["--config", str(config), *args])


def _run_module(config, db_url, *args):
    """The real `python3 -m ...first_admin` the README has the operator run (once, for the entry point)."""
    return subprocess.run([sys.executable, "-m", MODULE, "--config", str(config), *args],
                          capture_output=True, text=True, env=_env(db_url), timeout=120)


def _accounts(db_url):
    engine = sa.create_engine(db_url)
    try:
        with Session(engine) as db:
            return {u.username: u for u in db.query(UserInfo).all()}
    finally:
        engine.dispose()


def test_creates_an_approved_account_whose_password_logs_in(site):
    config, db_url = site
    result = _run_module(config, db_url, "teacher")
    assert result.returncode == 0, result.stderr
    password = result.stdout.rsplit("One-time password: ", 1)[1].strip()
    account = _accounts(db_url)["teacher"]
    assert account.is_authorized
    assert account.is_valid_password(password)
    assert not account.is_valid_password(password + "x")
    # a second run changes nothing and says why
    again = _run(config, db_url, "teacher")
    assert again.returncode == 1 and len(again.stderr.splitlines()) == 1
    assert "exists already" in again.stderr
    assert _accounts(db_url)["teacher"].password == account.password


@pytest.mark.parametrize("name, message", [
    ("stranger", "stranger is not in hub.admin_users"),
    ("a/b", "without '/'"),
])
def test_a_name_that_would_not_be_an_admin_is_refused(site, name, message):
    config, db_url = site
    result = _run(config, db_url, name)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert message in result.stderr
    assert _accounts(db_url) == {}


def test_other_auth_types_and_a_hub_without_tables_are_refused(site, tmp_path):
    config, db_url = site
    oidc = tmp_path / "oidc.yaml"
    oidc.write_text(json.dumps({"hub": {"admin_users": ["teacher"]}, "kubernetes": {}, "auth": {
        "type": "oidc", "oidc": {"authorize_url": "https://id/a", "token_url": "https://id/t",
                                 "userdata_url": "https://id/u", "client_id": "hub"}}}))
    result = _run(oidc, db_url, "teacher")
    assert result.returncode == 1 and "auth.type is oidc" in result.stderr
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    result = _run(config, empty, "teacher")
    assert result.returncode == 1 and "has not created its tables yet" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert _accounts(db_url) == {}
