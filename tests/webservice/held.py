"""Holding one call of a hub service (a store query, the hub lookup) in a
test, to show that another person's page is answered meanwhile: what waits
runs in a worker thread (webservice/handler.py's off_loop), never on the
service's one event loop."""

from __future__ import annotations

import threading
from contextlib import contextmanager


@contextmanager
def held(owner, name: str, only=lambda *args: True):
    """owner.name held until released (calls for which ``only`` is false pass through): (entered, release)."""
    real, entered, release = getattr(owner, name), threading.Event(), threading.Event()

    def hold(*args):
        if only(*args):
            entered.set()
            assert release.wait(60), "the test never released the held call"
        return real(*args)

    setattr(owner, name, hold)
    try:
        yield entered, release
    finally:
        release.set()
        setattr(owner, name, real)


def answered_meanwhile(events, slow_request, other_request):
    """While ``slow_request`` (in a thread) is in the held call, ``other_request`` is answered (200); then
    the call is released and the slow request's response returned."""
    (entered, release), slow = events, {}
    thread = threading.Thread(target=lambda: slow.setdefault("r", slow_request()))
    thread.start()
    try:
        assert entered.wait(30), "the slow request never reached the held call"
        other = other_request()
        assert other.status_code == 200 and "r" not in slow
    finally:
        release.set()
        thread.join(60)
    return slow["r"]
