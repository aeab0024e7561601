"""The front's large messages handed back to the system once relayed.

A client may send messages of up to app.CLIENT_MESSAGE, and the gateway larger ones: tornado holds each
whole, and the relay copies it. glibc serves such blocks with mmap and gives them back on free, but it
raises its mmap threshold to the size of each block freed (up to 32 MiB), after which blocks of that size
come from the heap and stay with the process: the attack review saw the shared front keep 1.6 GiB after
its sockets closed. A fixed threshold (mallopt M_MMAP_THRESHOLD, which turns that adjustment off) keeps
every large block an mmap that is unmapped when freed."""

from __future__ import annotations

import ctypes
import logging

M_MMAP_THRESHOLD = -3  # malloc.h
THRESHOLD = 128 * 2**10  # glibc's own initial value

log = logging.getLogger("campushub.remote_kernels")


def give_back_large_blocks() -> bool:
    """Fix glibc's mmap threshold for this process; False (and nothing changed) without glibc."""
    try:
        done = ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, THRESHOLD) == 1
    except (OSError, AttributeError):
        done = False
    if not done:
        log.warning("could not fix malloc's mmap threshold: large messages' memory may stay with the front")
    return done
