"""A server cannot fill the data dir's disk through its log: the attack was a
notebook writing to fd 2 in a loop (the kernel inherits the server's
stderr, which was the log file in DATA_DIR/logs/users itself); 50 MiB
landed there in a second, without end. The relay keeps the first CAP bytes."""

from __future__ import annotations

import os

from campushub.deploy.local.spawner import log_cap

from ....harness import wait_for


def test_the_relay_keeps_the_first_bytes_notes_the_rest_and_never_blocks(tmp_path):
    log = tmp_path / "server.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        out = log_cap.capped(fd, cap=1000)
    finally:
        os.close(fd)
    try:
        for _ in range(64):  # far more than a pipe holds: a relay that stopped reading would block this
            os.write(out, b"y" * 65536)
    finally:
        os.close(out)
    wait_for(lambda: b"dropped" in log.read_bytes(), 30, "the relay to finish")
    data = log.read_bytes()
    assert data.startswith(b"y" * 1000) and data.count(b"y") == 1000 and len(data) < 1200
