"""Where a remote kernel listens: unix sockets in a folder of its own, not TCP.

On 127.0.0.1 any account of the machine could subscribe to a kernel's iopub
port and read the person's outputs (ZeroMQ messages are signed, not
encrypted), as docs/architecture.md says of local kernels. So EG gives its
kernels transport ipc (eg_app.LocalKernel) with sockets under
ROOT/<kernel id>/: ROOT is root's (0711: nobody else may create or list
there), the kernel's folder is made by the root launcher before the kernel
starts, owned by the person, 0700. Only the person and root (EG) can then
reach the sockets, and nobody can plant one before the kernel binds. /run is
not one of the folders a kernel gets its own copy of (private /tmp).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

ROOT = Path("/run/campushub-kernels")
ENV = "CAMPUSHUB_KERNEL_SOCKETS"  # EG's environment: ROOT, for eg_app.LocalKernel (which cannot import this)
NAME = "kernel"  # the sockets are ROOT/<kernel id>/kernel-<port>


def ip(kernel_id: str) -> str:
    """The connection file's "ip" for transport ipc (jupyter_client appends -<port>)."""
    return str(ROOT / kernel_id / NAME)


def prepare(kernel_id: str, uid: int, gid: int) -> None:
    """As root, before the kernel starts: its folder, the person's alone."""
    ROOT.mkdir(mode=0o711, parents=True, exist_ok=True)
    st = os.lstat(ROOT)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0:
        raise OSError(f"{ROOT} is not root's folder")
    os.chmod(ROOT, 0o711)
    folder = ROOT / kernel_id
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:  # the same kernel started again (a restart): made by us, only root writes ROOT
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            raise OSError(f"{folder} is not a folder") from None
    os.chown(folder, uid, gid, follow_symlinks=False)
    os.chmod(folder, 0o700)


def remove(kernel_id: str) -> None:
    """After the kernel: its folder goes (rmtree does not follow the links the person may have put there)."""
    shutil.rmtree(ROOT / kernel_id, ignore_errors=True)
