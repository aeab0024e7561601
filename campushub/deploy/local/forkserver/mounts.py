"""The private, size-capped /tmp, /dev/shm and IPC namespace of one server.

One implementation for both ways a server starts: the spawner's exec path
calls enter() in its preexec_fn (spawner/private_tmp.py re-exports it), the
fork server's child calls it before dropping to the user. Why the mounts
exist at all is said in spawner/private_tmp.py.

Stdlib only: this package also runs inside the user environment, where
CampusHub is not installed. Python 3.11 has no os.unshare or mount(2), so
libc through ctypes, resolved at import (enter() runs between fork and exec).
"""

from __future__ import annotations

import ctypes
import os
import re

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
