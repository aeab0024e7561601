"""A sampler that polls on its own thread for the length of a with-block."""

from __future__ import annotations

import threading


class Background:
    """Subclasses define _run(), which loops until self.stop is set."""

    def _start_thread(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
