"""A spawner's turn in the hub's start line (hub/start_queue.py), for
PolicyMixin.start_turn: the learner's place in line in their language, and
the time limits.

JupyterHub bounds the whole of Spawner.start() by start_timeout, read once
right after the pre-spawn hook, so time spent in line would count against
the start itself and a long line would fail learners who merely waited.
PolicyMixin therefore lengthens start_timeout by queue_timeout just before
start() (run_pre_spawn_hook), and here, once the turn comes, the start is
held to the configured start_timeout again, by itself. Waiting longer than
queue_timeout fails the start with a plain message instead of a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from tornado import web

from ...i18n import N_, translate
from .. import start_queue

TOO_SLOW = N_("Your server did not start within {seconds} seconds. Try again; if it keeps happening, tell an administrator.")  # noqa: E501


@contextlib.asynccontextmanager
async def turn(spawner, report: Callable[[str], None]) -> AsyncIterator[None]:
    lang = spawner.language()
    queue = start_queue.shared(spawner.concurrent_starts or spawner.automatic_concurrent_starts())
    waited = False

    def tell(position: int, seconds: int) -> None:
        nonlocal waited
        if not waited:  # once per start: the hub log shows when the line is long
            spawner.log.info("%s waits in the start line as number %d (%d starting at once)",
                             spawner._log_name, position, queue.slots)
        waited = True
        report(start_queue.message(lang, position, seconds))

    limit = spawner.configured_start_timeout()
    try:
        async with queue.turn(tell, spawner.queue_timeout or None, owner=getattr(spawner.user, "name", None)):
            spawner.start_timeout = limit  # what KubeSpawner's own waits and the hub's log read now
            if waited:
                report(translate(lang, start_queue.YOUR_TURN))
            deadline = asyncio.timeout(limit)
            try:
                async with deadline:
                    yield
            except TimeoutError:
                if not deadline.expired():
                    raise  # the start's own timeout, with its own message
                # JupyterHub still sees a timeout; the learner reads why
                message = translate(lang, TOO_SLOW, seconds=limit)
                error = TimeoutError(message)
                error.jupyterhub_message = message
                raise error from None
    except start_queue.QueueTimeout as e:
        message = e.translated(lang)
        spawner.log.warning("%s waited %s minutes in the start line; giving up", spawner._log_name, e.minutes)
        error = web.HTTPError(503, "%s", message)
        error.jupyterhub_message = message  # what the progress page shows
        raise error from None
