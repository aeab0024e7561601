"""What a spawn request must look like; anything else is refused in one line.

The client is root (the child checked SO_PEERCRED), so this is not the
security boundary; it keeps a malformed request from starting something
half-configured, and never lets a server run as root or run another program.
"""

from __future__ import annotations

import os
import sys

from .protocol import ProtocolError

SERVER = os.path.join(sys.prefix, "bin", "jupyterhub-singleuser")


def _is_str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and "\0" not in v for v in value)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_spawn(request: dict) -> dict:
    """The request with defaults filled in, or ProtocolError saying what is wrong."""
    r = {"groups": [], "home": "", "cwd": "", "umask": 0o022, "procs_files": [], "tmp_options": None,
         "title": "jupyterhub-singleuser", "kernel_zygote": False, **request}
    argv, env = r.get("argv"), r.get("env")
    if not _is_str_list(argv) or not argv:
        raise ProtocolError("argv must be a non-empty list of strings")
    if argv[0] != SERVER:
        raise ProtocolError(f"argv[0] must be {SERVER}, not {argv[0][:200]!r}")
    if not isinstance(env, dict) or not _is_str_list(list(env)) or not _is_str_list(list(env.values())):
        raise ProtocolError("env must be an object of strings")
    if any(not k or "=" in k for k in env):
        raise ProtocolError("env names must be non-empty and contain no '='")
    for key in ("uid", "gid", "umask"):
        if not _is_int(r.get(key)):
            raise ProtocolError(f"{key} must be a non-negative integer")
    if r["uid"] == 0 or r["gid"] == 0:
        raise ProtocolError("the fork server does not start servers as root")
    groups = r["groups"]
    if not isinstance(groups, list) or not all(_is_int(g) and g != 0 for g in groups):
        raise ProtocolError("groups must be a list of non-zero group ids")
    if r["umask"] > 0o777:
        raise ProtocolError("umask must be at most 0o777")
    for key in ("home", "cwd", "title"):
        if not isinstance(r[key], str) or "\0" in r[key]:
            raise ProtocolError(f"{key} must be a string")
    if not _is_str_list(r["procs_files"]):
        raise ProtocolError("procs_files must be a list of paths")
    if r["tmp_options"] is not None and not (isinstance(r["tmp_options"], str) and "\0" not in r["tmp_options"]):
        raise ProtocolError("tmp_options must be a string or null")
    if not isinstance(r["kernel_zygote"], bool):
        raise ProtocolError("kernel_zygote must be true or false")
    return r
