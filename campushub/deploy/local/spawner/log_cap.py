"""A cap on what a server can write into its log in the data dir.

A server's stdout and stderr (and so every kernel's and terminal's, which
inherit them) went straight into DATA_DIR/logs/users/NAME.log: one
`os.write(2, ...)` loop in a notebook filled the disk that holds the hub's
database, at disk speed, long before any rotation. Now they write into a
pipe; a small relay appends the first CAP bytes of each server run to the
log, one line saying the rest was dropped, and drains the pipe to its end so
the server never blocks or gets EPIPE.

The relay is detached (its own session, reaped by init), not a child of the
hub: servers outlive hub restarts, and so must the reader of their pipe. It
ends when the server's last process has closed the pipe. logrotate's
copytruncate still works (the relay appends).
"""

from __future__ import annotations

import os
import subprocess
import sys

CAP = 64 * 2**20

DETACH = "import os\nif os.fork():\n    os._exit(0)\n"
RELAY = r"""
import os, sys
left = int(sys.argv[1])
note = b"\n[campushub] this server wrote more than %d MiB of log; the rest is dropped\n" % (left >> 20)
while chunk := os.read(0, 1 << 16):
    if left > 0:
        data = memoryview(chunk[:left])
        left -= len(data)
        while data:
            data = data[os.write(1, data):]
        if left <= 0:
            os.write(1, note)
"""


def capped(log_fd: int, cap: int = CAP) -> int:
    """The write end of a pipe whose first `cap` bytes reach `log_fd`; the caller closes it after the spawn."""
    read_end, write_end = os.pipe()
    try:
        # the relay forks and its first process exits at once: init, not the hub, becomes the relay's parent
        subprocess.run([sys.executable, "-I", "-c", DETACH + RELAY, str(cap)], stdin=read_end, stdout=log_fd,
                       stderr=subprocess.DEVNULL, start_new_session=True, check=True, timeout=30)
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    return write_end
