"""Wait in Spawner.start() until the server answers, or fail at once if it dies.

Stock JupyterHub 6.1.1 waits for a started server by polling its URL only.
When the process dies meanwhile, the hub notices only after
`slow_spawn_timeout`, and then trips over its own unfinished future
(handlers/base.py calls .exception() on it): the API answers a bare
500 InvalidStateError and the browser waits the whole http_timeout for a
vague "didn't respond". Returning from start() only once the server answers
keeps the hub off that path, and lets us say why the server stopped.
"""

from __future__ import annotations

import asyncio
import time

from jupyterhub.utils import url_path_join
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

try:
    from jupyterhub.spawner import SpawnException
except ImportError:  # JupyterHub 5.x (the Kubernetes chart's) has none

    class SpawnException(web.HTTPError):
        def __init__(self, message, *, reason="", status_code=500, log_message=None):
            super().__init__(status_code, log_message or message, reason=None)
            self.message = message

POLL_SECONDS = 0.2
# A server from the fork server answers within a few tenths of a second: at
# POLL_SECONDS the hub would notice up to 0.2 s late, as much again as the
# start itself. Polling a local port this often for a moment costs little.
EARLY_POLL_SECONDS, EARLY_SECONDS = 0.04, 2.0


def user_facing(message: str, log_message: str = "", status_code: int = 500) -> SpawnException:
    e = SpawnException(message, reason="failed", status_code=status_code, log_message=log_message or message)
    # the "spawn failed" page and progress events show only this attribute
    e.jupyterhub_message = message
    return e


async def wait_until_answering(spawner, url: str, explain_exit) -> None:
    """Poll `url`'s API and the process; raise a SpawnException saying why if it dies or hangs."""
    probe = url_path_join(url, spawner.server.base_url, "api")
    began = time.monotonic()
    deadline = began + spawner.http_timeout
    while True:
        status = await spawner.poll()
        if status is not None:
            raise user_facing(explain_exit(status), f"{spawner._log_name} exited with {status} while starting")
        try:
            r = await AsyncHTTPClient().fetch(probe, raise_error=False, follow_redirects=False, request_timeout=5)
            if r.code < 500 and r.code != 599:  # 599: no connection; <500 is JupyterHub's own rule
                return
        except (OSError, HTTPClientError):
            pass
        if time.monotonic() > deadline:
            raise user_facing(explain_exit(None))
        early = time.monotonic() - began < EARLY_SECONDS
        await asyncio.sleep(EARLY_POLL_SECONDS if early else POLL_SECONDS)
