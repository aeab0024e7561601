"""Hub user names -> unix accounts.

Hub names can be e-mail addresses, contain capitals, dots or non-ASCII, and be
longer than useradd accepts (32 characters). Any name that is not already a
safe unix name gets a short hash suffix. That suffix is 32 bits: someone who
can choose their hub name (a sign-up, a site account) can search for a name
with another person's account name in minutes. So an account this module
creates carries its hub user in its comment (GECOS), and is refused to any
other hub user.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import shutil
import subprocess

MAX_LEN = 32  # useradd's limit on Linux
_SAFE = re.compile(r"[a-z0-9][a-z0-9_-]*")


def unix_name(hub_name: str, prefix: str = "jupyter-") -> str:
    safe = re.sub(r"[^a-z0-9_-]+", "-", hub_name.lower()).strip("-_") or "user"
    room = MAX_LEN - len(prefix)
    if safe == hub_name and _SAFE.fullmatch(safe) and len(safe) <= room:
        return prefix + safe
    digest = hashlib.sha256(hub_name.encode("utf-8")).hexdigest()[:8]
    return f"{prefix}{safe[: room - 9].rstrip('-_')}-{digest}"


def tool(name: str) -> str:
    # a hub started from a minimal environment may lack /usr/sbin on PATH
    return shutil.which(name) or f"/usr/sbin/{name}"


def owner_mark(hub_name: str) -> str:
    """The account's comment: whose it is (a 128-bit hash; GECOS allows no ':')."""
    return "campushub " + hashlib.sha256(hub_name.encode("utf-8")).hexdigest()[:32]


def ensure_user(name: str, home_root: str = "/home", owner: str | None = None) -> pwd.struct_passwd:
    """Create the account and a private home if missing; idempotent.
    With `owner` (the hub name), an account marked as another hub user's is refused."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = None
    if entry is None:
        home = os.path.join(home_root, name)
        # -U gives every account its own group, so group permissions never
        # open one learner's files to another.
        result = subprocess.run(
            [tool("useradd"), "--create-home", "--home-dir", home, "--shell", "/bin/bash", "-U",
             *(["--comment", owner_mark(owner)] if owner is not None else []), name],
            capture_output=True, text=True,
        )
        if result.returncode not in (0, 9):  # 9: created concurrently
            raise RuntimeError(f"useradd {name} failed: {result.stderr.strip()}")
        entry = pwd.getpwnam(name)
    if entry.pw_uid == 0:
        # user_prefix + a hub name can spell an existing account ("r" + "oot"): never run anyone's server as root
        raise RuntimeError(f"the hub user's unix account would be {name}, which is root's (uid 0); "
                           "rename this hub user or change spawner.user_prefix (e.g. end it with '-')")
    # Accounts without our mark (made before it existed, or system users an
    # operator maps on purpose) are left as they are.
    if owner is not None and entry.pw_gecos.startswith("campushub ") and entry.pw_gecos != owner_mark(owner):
        raise RuntimeError(f"the unix account {name} belongs to another hub user; rename this hub user")
    if not os.path.isdir(entry.pw_dir):
        os.makedirs(entry.pw_dir, exist_ok=True)
        os.chown(entry.pw_dir, entry.pw_uid, entry.pw_gid)
    # Debian's useradd makes homes 0755; learners must not read each other's work.
    os.chmod(entry.pw_dir, 0o700)
    return entry


def remove_user(name: str) -> subprocess.CompletedProcess:
    """userdel --remove; the result is returned for callers that must know it worked (retention)."""
    return subprocess.run([tool("userdel"), "--remove", name], capture_output=True, text=True)
