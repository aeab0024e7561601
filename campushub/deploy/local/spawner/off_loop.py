"""Blocking start steps in a thread, without leaking what they made when the start is cancelled.

JupyterHub cancels a start when its learner stops the server meanwhile. The
thread cannot be stopped: it finishes and returns what it made, such as the
log relay's pipe. Without an owner that pipe stayed open in the hub for good
(and its root relay ran for good). Such a result is undone as soon as the
thread finishes. (A fork launch has its own guard: fork_launch.py.)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable


async def run(undo: Callable, func: Callable, *args):
    """func(*args) in a thread; undo(result) once it finishes if the caller was cancelled meanwhile."""
    future = asyncio.ensure_future(asyncio.to_thread(func, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        future.add_done_callback(lambda f: None if f.cancelled() or f.exception() else undo(f.result()))
        raise


def close_fd(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)
