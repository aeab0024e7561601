"""The learners' accounts: one LDAP directory that both hubs check passwords against.

Why LDAP: both hubs then log people in through a real password form with
the same accounts and the same kind of authenticator (upstream
ldapauthenticator on stock, CampusHub's auth.ldap built on it), each login
one bind against the same slapd. The alternatives are uneven: CampusHub has
no PAM type, and upstream nativeauthenticator's login handler fails on
JupyterHub 6 (it calls the removed `statsd`), so stock could not use the
native type CampusHub ships.

Learner names are the same on both hubs (LEARNER_PREFIX + number); stock's
LocalProcessSpawner runs them as unix accounts of that name, CampusHub as
its own prefixed accounts. Both kinds of account, and the hub users, are
created before the first class, untimed, so every class is of returning
learners on both hubs.
"""

from __future__ import annotations

import os

from tests.ldap_server import LDAPServer

from ..spawn.targets import CampusTarget, StockTarget

LEARNER_PREFIX = f"lrn{os.getpid() % 100000:05d}-"


def learner(i: int) -> str:
    return f"{LEARNER_PREFIX}{i:03d}"


def password(name: str) -> str:
    return f"{name}-Class-pw-2026"


class Directory:
    def __init__(self, tmpdir):
        self.server = LDAPServer.start(tmpdir)
        self.names: set[str] = set()

    def add(self, names: list[str]) -> None:
        for name in names:
            if name not in self.names:
                self.server.add_user(name, password(name))
                self.names.add(name)

    def stock_auth(self) -> dict:
        """For benchmarks.spawn.stock.StockHub(ldap=...)."""
        return {"server_address": "127.0.0.1", "server_port": self.server.port,
                "bind_dn_template": [f"uid={{username}},{self.server.people}"]}

    def campus_auth(self) -> dict:
        """campushub.yaml `auth:` for the same directory: own bind, no group sync (stock has none)."""
        return {"type": "ldap", "ldap": {"server_address": "127.0.0.1", "server_port": self.server.port,
                                         "tls": "insecure",
                                         "bind_dn_template": [f"uid={{username}},{self.server.people}"]}}

    def stop(self) -> None:
        self.server.stop()


class _Learners:
    prefix = LEARNER_PREFIX

    def enrol(self, names: list[str]) -> None:
        """Unix accounts and hub users, untimed (login would create the hub user too)."""
        for name in names:
            self.ensure_account(name)
        r = self.api("POST", "users", json={"usernames": names})
        if r.status_code not in (201, 409):
            r.raise_for_status()


class StockClass(_Learners, StockTarget):
    pass


class CampusClass(_Learners, CampusTarget):
    pass
