"""Hub user names -> unix accounts.

Hub names can be e-mail addresses, contain capitals, dots or non-ASCII, and be
longer than useradd accepts (32 characters). Any name that is not already a
safe unix name gets a short hash suffix, so two different hub names can never
map to the same account.
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


def _tool(name: str) -> str:
    # a hub started from a minimal environment may lack /usr/sbin on PATH
    return shutil.which(name) or f"/usr/sbin/{name}"


def ensure_user(name: str, home_root: str = "/home") -> pwd.struct_passwd:
    """Create the account and a private home if missing; idempotent."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = None
    if entry is None:
        home = os.path.join(home_root, name)
        # -U gives every account its own group, so group permissions never
        # open one learner's files to another.
        result = subprocess.run(
            [_tool("useradd"), "--create-home", "--home-dir", home, "--shell", "/bin/bash", "-U", name],
            capture_output=True, text=True,
        )
        if result.returncode not in (0, 9):  # 9: created concurrently
            raise RuntimeError(f"useradd {name} failed: {result.stderr.strip()}")
        entry = pwd.getpwnam(name)
    if not os.path.isdir(entry.pw_dir):
        os.makedirs(entry.pw_dir, exist_ok=True)
        os.chown(entry.pw_dir, entry.pw_uid, entry.pw_gid)
    # Debian's useradd makes homes 0755; learners must not read each other's work.
    os.chmod(entry.pw_dir, 0o700)
    return entry


def remove_user(name: str) -> None:
    subprocess.run([_tool("userdel"), "--remove", name], capture_output=True)
