"""Attacks on the first admin of a native-accounts release, which exists only
once the operator runs first_admin in the hub pod, after the hub is up.

- With auth.native.open_signup (every sign-up approved), whoever signed up
  first under a name in hub.admin_users got an approved account with a
  password of their choosing, and with it the admin role: the earlier fix
  stopped only the admin_users pre-approval, not open sign-up's.
- A squatter's unapproved sign-up under that name made first_admin refuse
  ("exists already"), leaving the release with no admin to approve anyone.
  first_admin now takes over an unapproved account (new one-time password,
  approved); an approved one is still never touched (no replay).
The authenticator runs on a real SQLite database as the hub gives it one."""

from __future__ import annotations

import sqlalchemy as sa
from jupyterhub import orm
from nativeauthenticator.orm import UserInfo
from sqlalchemy.orm import Session

from campushub.hub.auth.native import CampusHubAuthenticator

from .test_first_admin import _accounts, _run, site  # noqa: F401 (site is a fixture)


def _authenticator(db_url: str, **traits) -> tuple[CampusHubAuthenticator, Session]:
    engine = sa.create_engine(db_url)
    # the hub's own tables beside nativeauthenticator's, as in a hub's database: a sign-up
    # under a name the hub already has waits for approval (hub/auth/native.py looks there)
    orm.Base.metadata.create_all(engine)
    db = Session(engine)
    return CampusHubAuthenticator(db=db, admin_users={"teacher"}, enable_signup=True, **traits), db


def test_open_signup_never_approves_a_listed_admins_name(tmp_path):
    auth, db = _authenticator(f"sqlite:///{tmp_path / 'hub.sqlite'}", open_signup=True)
    try:
        squatter = auth.create_user("Teacher", "Squatter-Secret-pw-2026")
        assert squatter is not None and not squatter.is_authorized
        assert not UserInfo.find(db, "teacher").is_authorized
        learner = auth.create_user("learner", "Learner-Secret-pw-2026")
        assert learner.is_authorized  # open sign-up still approves everyone else
    finally:
        db.close()


def test_first_admin_takes_over_a_squatters_unapproved_signup(site):  # noqa: F811
    config, db_url = site
    auth, db = _authenticator(db_url)
    try:
        auth.create_user("teacher", "Squatter-Secret-pw-2026")
    finally:
        db.close()
    result = _run(config, db_url, "teacher")
    assert result.returncode == 0, result.stderr
    password = result.stdout.rsplit("One-time password: ", 1)[1].strip()
    account = _accounts(db_url)["teacher"]
    assert account.is_authorized and account.is_valid_password(password)
    assert not account.is_valid_password("Squatter-Secret-pw-2026")
    again = _run(config, db_url, "teacher")  # an approved admin is never overwritten
    assert again.returncode == 1 and "exists already" in again.stderr
    assert _accounts(db_url)["teacher"].is_valid_password(password)
