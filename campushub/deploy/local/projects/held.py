"""Which project folders each account was given at its last start: `<root>/.held/<account>`,
root's alone (0700; a name starting with a dot is never a project's). A start compares it with the
person's projects now to find the folders they left (leaving.py), however they left: the page, the
REST API, an identity provider's groups, a deleted project."""

from __future__ import annotations

import json
import os
import stat

DIR = ".held"
_OPEN = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _dir(root_fd: int) -> int:
    try:
        os.mkdir(DIR, mode=0o700, dir_fd=root_fd)
    except FileExistsError:
        pass
    fd = os.open(DIR, _OPEN, dir_fd=root_fd)
    info = os.fstat(fd)
    if info.st_uid != 0 or stat.S_IMODE(info.st_mode) != 0o700:
        os.fchown(fd, 0, 0)  # only root makes anything in the root
        os.fchmod(fd, 0o700)
    return fd


def read(root_fd: int, account: str) -> dict[str, int]:
    """{project folder name: gid} given to `account`; {} when never recorded."""
    fd = _dir(root_fd)
    try:
        with open(os.open(account, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)) as f:
            found = json.load(f)
    except (FileNotFoundError, ValueError):
        return {}
    finally:
        os.close(fd)
    return {str(k): int(v) for k, v in found.items()} if isinstance(found, dict) else {}


def write(root_fd: int, account: str, held: dict[str, int]) -> None:
    fd = _dir(root_fd)
    try:
        if not held:
            try:
                os.unlink(account, dir_fd=fd)
            except FileNotFoundError:
                pass
            return
        tmp = f".{account}.tmp"
        out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=fd)
        with open(out, "w") as f:
            json.dump(held, f, sort_keys=True)
        os.rename(tmp, account, src_dir_fd=fd, dst_dir_fd=fd)
    finally:
        os.close(fd)
