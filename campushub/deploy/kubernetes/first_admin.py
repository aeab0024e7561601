"""The first admin of a release with native accounts.

Locally `campushub up --admin NAME` leaves a one-time file in the data dir
that the hub turns into an approved account when it starts. A hub pod has no
data dir of its own (its database is PostgreSQL), so here the approved
account is written straight into the hub database, from inside the hub pod,
once the hub has created its tables:

    kubectl --namespace NS exec deploy/hub -- python3 -m campushub.deploy.kubernetes.first_admin NAME

NAME must be in hub.admin_users, which is what makes the account an admin;
the password printed once is for the first login (change it then).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from ...config import ConfigError, load, validate
from ...hub.auth.bootstrap import one_time_password
from .secrets import fill_from_env

SITE_FILE = "/etc/campushub/campushub.yaml"


class Refused(Exception):
    """What the operator has to change, in one line."""


def create(config: dict, name: str) -> str:
    """Add `name` as an approved native account; return its password."""
    import sqlalchemy as sa  # here: the hub pod has them; importing this module stays light
    from nativeauthenticator.orm import UserInfo
    from sqlalchemy.orm import Session

    kind = config["auth"]["type"]
    if kind != "native":
        raise Refused(f"auth.type is {kind}: admins come from the identity provider "
                      "(hub.admin_users or roles.admin_groups), there is no account to create")
    name = name.lower()  # as JupyterHub's Authenticator.normalize_username does
    if not 0 < len(name) <= 128 or "/" in name:
        raise Refused(f"{name!r}: give a user name of 1 to 128 characters without '/'")
    if name not in {n.lower() for n in config["hub"]["admin_users"]}:
        raise Refused(f"{name} is not in hub.admin_users: add it there, render and upgrade the release, "
                      "then run this again (otherwise the account would not be an admin)")
    if not config["hub"]["db_url"]:
        raise Refused("hub.db_url is not set: run this in the hub pod, whose environment carries it")
    try:
        # a URL SQLAlchemy cannot use (no such driver, a port that is no
        # number) fails here: one line too, never the URL
        engine = sa.create_engine(config["hub"]["db_url"])
    except (sa.exc.SQLAlchemyError, ValueError) as e:
        raise Refused(f"hub.db_url cannot be used ({type(e).__name__}): check its driver, host and port "
                      "in the release's Secret") from None
    try:
        if not sa.inspect(engine).has_table(UserInfo.__tablename__):
            raise Refused("the hub has not created its tables yet: run this again once the hub is running")
        with Session(engine) as db:
            existing = UserInfo.find(db, name)
            if existing is not None and existing.is_authorized:
                raise Refused(f"an account {name} exists already: log in with it, or have another "
                              "admin reset its password")
            password, hashed = one_time_password()
            if existing is None:
                db.add(UserInfo(username=name, password=hashed.encode(), is_authorized=True))
            else:
                # A sign-up under the admin's name that nobody approved (a
                # squatter's, or the admin's own): it never logged in, and
                # refusing here would leave the release with no admin at all.
                existing.password, existing.is_authorized = hashed.encode(), True
            db.commit()
    except sa.exc.SQLAlchemyError as e:  # unreachable database, a refused login: one line, no URL
        raise Refused(f"the hub database refused: {str(getattr(e, 'orig', e)).splitlines()[0]}") from None
    finally:
        engine.dispose()
    return password


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m campushub.deploy.kubernetes.first_admin",
                                     description="Create the first admin of a release with native accounts.")
    parser.add_argument("name", metavar="NAME", help="a user name listed in hub.admin_users")
    parser.add_argument("--config", default=SITE_FILE, help=f"the site file (default: {SITE_FILE})")
    args = parser.parse_args(argv)
    try:
        config = validate(fill_from_env(load(args.config), environ), args.config)
        password = create(config, args.name)
    except (ConfigError, Refused) as e:
        print(f"first_admin: {e}", file=sys.stderr)
        return 1
    print(f"Admin account {args.name.lower()} created. One-time password: {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
