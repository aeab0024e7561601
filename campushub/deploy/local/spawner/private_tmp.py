"""A private, size-capped /tmp and /dev/shm for each local server.

On the host's shared /tmp and /dev/shm, files outlive the server that wrote
them: the OOM killer stops the server, the files stay, and the memory they
hold is no longer anyone's limit (a learner filled /dev/shm past her limit
by restarting). Each server, and its course sync, therefore starts in a new
mount namespace with fresh tmpfs on both. tmpfs pages are charged to the
memory cgroup of the process that wrote them, so they count against the
server's own limit, and the mounts vanish with the namespace when the
server's last process exits. Other accounts do not see them at all.

Python 3.11 has no os.unshare or mount(2): libc through ctypes, resolved at
import in the hub, because enter() runs in a preexec_fn between fork and exec.
util-linux's unshare(1) would need the spawner to exec a wrapper before the
server and would lose the preexec_fn's ordering (cgroup first, then mounts,
then dropping to the user).
"""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys

from ....i18n import N_, translate
from .readiness import user_facing

NO_PRIVATE_TMP = N_("This machine cannot give your server its own temporary folders, so it was not started. Tell an administrator.")  # noqa: E501

CLONE_NEWNS, CLONE_NEWIPC = 0x00020000, 0x08000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_SLAVE = 0x2, 0x4, 0x8, 0x4000, 0x80000
MQUEUE = b"/dev/mqueue"
MOUNTS = (b"/tmp", b"/dev/shm")
# The other places every account may write to, where they exist: /var/tmp
# would keep files across reboots, /run/lock is a tmpfs of the host's.
OPTIONAL_MOUNTS = (b"/var/tmp", b"/run/lock")
# Every tmpfs inode costs kernel memory that cgroup v1 does not charge
# without kmem accounting: cap the file count, not just the bytes.
MAX_INODES = 1 << 20

_PER_MOUNT_PROC = tuple(int(n) for n in re.findall(r"\d+", os.uname().release)[:2]) >= (5, 8)

_libc = ctypes.CDLL(None, use_errno=True)
_unshare, _mount = _libc.unshare, _libc.mount
_available: bool = False


class PrivateTmpUnavailable(RuntimeError):
    pass


def mount_options(size: int) -> bytes:
    inodes = max(1024, min(MAX_INODES, size // 4096))
    return f"size={size},nr_inodes={inodes},mode=1777".encode()


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def enter(options: bytes) -> None:
    """Move the calling (single-threaded, root) process into new mount and IPC
    namespaces, with fresh tmpfs on /tmp and /dev/shm (and /var/tmp, /run/lock);
    `options` from mount_options()."""
    # System V shared memory and POSIX message queues are the same escape as
    # /dev/shm (memory that outlives its writer): a new IPC namespace takes
    # them away with the server's last process too.
    _check(_unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare(CLONE_NEWNS | CLONE_NEWIPC)")
    # systemd makes / shared: without this our tmpfs would appear on the host.
    # Slave, not private, so mounts the admin adds later still reach servers.
    _check(_mount(None, b"/", None, MS_REC | MS_SLAVE, None), "making mounts slave")
    for path in MOUNTS + tuple(p for p in OPTIONAL_MOUNTS if os.path.isdir(p)):
        _check(_mount(b"tmpfs", path, b"tmpfs", MS_NOSUID | MS_NODEV, options), f"mounting tmpfs on {path.decode()}")
    # /dev/mqueue (systemd mounts it) still shows the HOST's queues after the
    # unshare: open(O_CREAT) there makes a queue that outlives the server and
    # takes the host's queues_max. Mounting mqueue now gives this namespace's.
    if os.path.isdir(MQUEUE):
        _check(_mount(b"mqueue", MQUEUE, b"mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mounting /dev/mqueue")
    # Other accounts' processes out of sight: their command lines carried what
    # learners typed (`git clone https://user:token@...`, `--api-key=...`).
    # Before Linux 5.8 every proc mount shares one set of options: hidepid
    # here would change the host's /proc, so only from 5.8 on.
    if _PER_MOUNT_PROC:
        _check(_mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, b"hidepid=2"), "mounting /proc")


def check() -> None:
    """Raise PrivateTmpUnavailable saying why this machine cannot give servers
    their own /tmp (a container without CAP_SYS_ADMIN, a hub not run as root)."""
    global _available
    if _available:
        return
    # A fresh interpreter, so the reason comes back as text (a failing
    # preexec_fn only says that it failed).
    code = f"from {__name__} import enter, mount_options; enter(mount_options(1 << 20))"
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
        message = translate(spawner.language(), NO_PRIVATE_TMP)
        raise user_facing(message, f"{spawner.unix_name}: {e}", 503) from None
    return mount_options(int(spawner.mem_limit or 2 * 1024**3))
