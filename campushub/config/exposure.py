"""A configuration file that holds secrets must not be readable by other
accounts of the machine.

Every learner has a unix account and a terminal: a campushub.yaml left at
the usual 0644 showed them the OIDC/Google client secret, the LDAP search
password and the database password in hub.db_url (with PostgreSQL on this
machine, that is the hub database: every token and who is an admin). The
file counts as exposed when other accounts can reach it: readable by group
or others, through folders they can enter.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

_SECRET_KEY = re.compile(r"(secret|password|token)$")
# user:password@ (the password may hold a '/': SQLAlchemy and libpq take it),
# a bare user in an http(s) URL (https://TOKEN@git.example/course.git, how
# git hosts take access tokens), or a password or token in the query
# (libpq's ?password=, GitLab's ?private_token=, ?api_key=)
_URL_PASSWORD = re.compile(r"://[^@\s]*:[^@\s]+@|https?://[^/?#@\s:]+@"
                           r"|[?&][\w.-]*(password|passwd|pwd|token|secret|api_?key)=", re.IGNORECASE)


def secret_keys(config: dict, prefix: str = "") -> list[str]:
    """Dotted names of the settings that hold a secret value."""
    found = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            found += secret_keys(value, name + ".")
        elif isinstance(value, str) and is_secret(key, value):
            found.append(name)
    return found


def is_secret(key: str, value) -> bool:
    """Whether the setting `key` (its last part) holding `value` is a secret,
    which no message, log line or rendered file may show."""
    return bool(value) and bool(_SECRET_KEY.search(str(key))
                                or isinstance(value, str) and _URL_PASSWORD.search(value))


def readers(path: Path) -> str | None:
    """Who besides the owner can read `path` ("others", "group ...") or None."""
    path = Path(os.path.abspath(path))
    st = os.stat(path)
    if st.st_mode & stat.S_IROTH and all(os.stat(d).st_mode & stat.S_IXOTH for d in path.parents):
        return "every account"
    if st.st_mode & stat.S_IRGRP and st.st_gid != 0:
        return f"group {st.st_gid}"
    return None


def check(path: str | Path | None, config: dict) -> str | None:
    """A one-line problem if the file at `path` holds secrets others can read, else None."""
    if not path:
        return None
    keys = secret_keys(config)
    who = readers(Path(path)) if keys else None
    if who is None:
        return None
    return (f"{path}: holds {', '.join(keys)} but {who} on this machine can read it (learners too); "
            f"make it readable by root only: chmod 600 {path}")
