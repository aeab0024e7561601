"""A private, size-capped /tmp and /dev/shm for each local server.

On the host's shared /tmp and /dev/shm, files outlive the server that wrote
them: the OOM killer stops the server, the files stay, and the memory they
hold is no longer anyone's limit (a learner filled /dev/shm past her limit
by restarting). Each server, and its course sync, therefore starts in a new
mount namespace with fresh tmpfs on both. tmpfs pages are charged to the
memory cgroup of the process that wrote them, so they count against the
server's own limit, and the mounts vanish with the namespace when the
server's last process exits. Other accounts do not see them at all.

The mounts themselves are made by forkserver/mounts.py, shared with the
fork server's children. util-linux's unshare(1) would need the spawner to
exec a wrapper before the server and would lose the preexec_fn's ordering (cgroup first, then mounts,
then dropping to the user).
"""

from __future__ import annotations

import subprocess
import sys

from ....i18n import N_, translate

# One implementation for the exec path and the fork server's children.
from ..forkserver.mounts import _PER_MOUNT_PROC, MAX_INODES, enter, mount_options  # noqa: F401

NO_PRIVATE_TMP = N_("This machine cannot give your server its own temporary folders, so it was not started. Tell an administrator.")  # noqa: E501

_available: bool = False


class PrivateTmpUnavailable(RuntimeError):
    pass


def check() -> None:
    """Raise PrivateTmpUnavailable saying why this machine cannot give servers
    their own /tmp (a container without CAP_SYS_ADMIN, a hub not run as root)."""
    global _available
    if _available:
        return
    # A fresh interpreter, so the reason comes back as text (a failing
    # preexec_fn only says that it failed). It imports the stdlib-only
    # mounts module alone: through this package it paid 0.8 s of imports
    # (JupyterHub's spawner and ORM) on every `up` before the hub started.
    code = f"from {enter.__module__} import enter, mount_options; enter(mount_options(1 << 20))"
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        raise PrivateTmpUnavailable(f"cannot start a process to test private mounts: {e}") from None
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        raise PrivateTmpUnavailable(
            f"cannot mount a private /tmp and /dev/shm for servers (needs root with CAP_SYS_ADMIN): {reason}")
    _available = True


def options_for(spawner) -> bytes | None:
    """Mount options for this server's private /tmp; None where the site runs
    servers without isolation (limits.allow_unlimited); else a message."""
    try:
        check()
    except PrivateTmpUnavailable as e:
        if spawner.allow_unlimited:
            spawner.log.warning("%s; starting %s with the host's /tmp", e, spawner.unix_name)
            return None
        # here, not at the top: `campushub up` checks this before the hub starts, and readiness
        # brings JupyterHub's spawner and ORM (0.8 s of imports) that only the hub needs
        from .readiness import user_facing

        message = translate(spawner.language(), NO_PRIVATE_TMP)
        raise user_facing(message, f"{spawner.unix_name}: {e}", 503) from None
    return mount_options(int(spawner.mem_limit or 2 * 1024**3))
