"""The kernel's memory watch (campushub/singleuser/memory_watch.py) polls only while a cell runs.

The warning itself, in a real kernel against its real cgroup limit, is in
tests/deploy/local/spawner/test_limits.py; here its usage and limit files
are plain files and the loop runs in a thread of the test.
"""

from __future__ import annotations

import io
import threading

from campushub.singleuser import memory_watch

from ..harness import wait_for


class _Seen(threading.Event):
    """An Event that tells when the loop has gone back to waiting for a cell."""

    def __init__(self):
        super().__init__()
        self.waiting = threading.Event()

    def wait(self, timeout=None):
        self.waiting.set()
        return super().wait(timeout)


def test_polls_while_a_cell_runs_and_warns_once_then_waits(tmp_path, monkeypatch):
    usage, limit = tmp_path / "usage", tmp_path / "limit"
    usage.write_text(str(10 * 2**20))
    limit.write_text(str(100 * 2**20))
    reads = []
    real_read = memory_watch._read
    monkeypatch.setattr(memory_watch, "_read", lambda path: reads.append(path) or real_read(path))
    stderr = io.StringIO()
    monkeypatch.setattr(memory_watch.sys, "stderr", stderr)
    watch = memory_watch.Watch(str(usage), str(limit), "used {used} of {limit} MiB")
    watch.running = _Seen()
    threading.Thread(target=watch.loop, daemon=True).start()
    wait_for(watch.running.waiting.is_set, 10, "the loop to wait for a cell")
    assert reads == []  # no cell has run: nothing is read

    watch.pre_execute()
    wait_for(lambda: len(reads) >= 4, 10, "polls while the cell runs")
    usage.write_text(str(95 * 2**20))  # past 90% of the limit
    wait_for(lambda: "used 95 of 100 MiB" in stderr.getvalue(), 10, "the warning")

    watch.running.waiting.clear()
    watch.post_execute()
    # back in wait() with the event clear: it blocks there until the next cell
    wait_for(watch.running.waiting.is_set, 10, "the loop to wait again once the cell ended")
    assert not watch.running.is_set()
    assert stderr.getvalue().count("used 95 of 100 MiB") == 1  # quiet for QUIET_SECONDS after one warning
