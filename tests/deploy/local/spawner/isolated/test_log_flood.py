"""A notebook cannot fill the data dir's disk through its server's log (see
campushub/deploy/local/spawner/log_cap.py): before the fix, 100 MiB written to fd 2
by a kernel all landed in DATA_DIR/logs/users/NAME.log."""

from __future__ import annotations

from campushub.deploy.local.spawner import log_cap

from .....harness import execute, run_code, wait_for
from .conftest import account, start, stop

FLOOD = "import os\nfor _ in range(100):\n    os.write(2, b'x' * 2**20)\nprint('flooded')"


def test_a_kernel_flooding_stderr_is_capped_and_the_server_keeps_working(hub):
    token = start(hub, "flo")
    log = hub.workdir / "data" / "logs" / "users" / f"{account('flo')}.log"
    try:
        out = run_code(hub, "flo", token, FLOOD, timeout=120)
        assert "flooded" in out["stream"], out
        wait_for(lambda: b"dropped" in log.read_bytes()[-300:], 60, "the relay to drop the rest")
        assert log.stat().st_size < log_cap.CAP + 2**20
        assert execute(hub, "flo", token, out["kernel_id"], "print(6 * 7)")["stream"].strip() == "42"
    finally:
        stop(hub, "flo")
