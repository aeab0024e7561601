"""What one person may make the shared front and gateway do (attack review 16, round 2), on a real hub,
front and Enterprise Gateway (site.py): channel websockets are capped per kernel, large client messages
do not stay in the front's memory, starts are paced like restarts (start + DELETE was an unpaced full
launch), and a kernel that dies at startup is relaunched once by EG, not five times."""

from __future__ import annotations

import os
import pwd
import re
import subprocess
import threading
from pathlib import Path

import pytest
import websocket

from campushub.deploy.local.remote_kernels import gateway
from campushub.deploy.local.spawner.unix_users import unix_name
from campushub.remote_kernels.channels import MAX_PER_KERNEL
from campushub.remote_kernels.pace import PER_MINUTE

from ..harness import TEST_PREFIX, wait_for
from .site import remote_kernels_site

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with remote_kernels_site(tmp_path_factory.mktemp("rk-limits")) as site:
        yield site


def front_rss(site) -> int:
    port = site.config["remote_kernels"]["port"]
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    pid = int(re.search(r"pid=(\d+)", out).group(1))
    return int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1)) * 1024


def test_channel_websockets_to_one_kernel_are_capped_and_their_memory_given_back(site):
    kernel = site.start("alice")
    site.execute("alice", kernel, "print(1)")
    before = front_rss(site)
    sockets = [site.channels("alice", kernel) for _ in range(MAX_PER_KERNEL)]
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            site.channels("alice", kernel)
        assert refused.value.status_code == 429
        assert b"connections open to remote kernels" in refused.value.resp_body

        def send(ws):  # under the client cap (10 MiB), each held whole by the front and copied upstream
            try:
                ws.send(b"x" * (9 << 20), opcode=websocket.ABNF.OPCODE_BINARY)
            except (OSError, websocket.WebSocketException):
                pass  # EG may close on a message that is no kernel message

        threads = [threading.Thread(target=send, args=(ws,)) for ws in sockets]
        [t.start() for t in threads]
        [t.join() for t in threads]
    finally:
        for ws in sockets:
            ws.close()
    # closed connections count no more: one can be opened again
    wait_for(lambda: _opens(site, kernel), 30, "a channel to open again once the others closed")
    # 4 x 9 MiB, held twice each: glibc kept such blocks in the front after they were freed
    wait_for(lambda: front_rss(site) - before < 40 * 2**20, 30, "the front to give the messages' memory back")
    site.call("alice", "DELETE", f"api/kernels/{kernel}")


def _opens(site, kernel) -> bool:
    try:
        site.channels("alice", kernel).close()
    except websocket.WebSocketBadStatusException:
        return False
    return True


@pytest.mark.parametrize("lives", [0, 5])
def test_a_kernel_that_dies_at_startup_is_relaunched_once(site, lives):
    """lives: seconds it runs first; one poll of EG's restarter seeing it alive reset jupyter_client 6's count
    of deaths in a row, so a kernel that lived a few seconds was relaunched for ever."""
    entry = pwd.getpwnam(unix_name("alice", TEST_PREFIX))
    home = Path(entry.pw_dir)
    startup = home / ".ipython" / "profile_default" / "startup"
    # alice's own startup file, as her terminal could write it: each launch leaves a line, then the kernel dies
    for folder in (home / ".ipython", home / ".ipython" / "profile_default", startup):
        folder.mkdir(exist_ok=True)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    launches = home / "launches.txt"
    die = startup / "00-die.py"
    die.write_text(f"import os, time\nopen({str(launches)!r}, 'a').write('launch\\n')\ntime.sleep({lives})\n"
                   "os._exit(1)\n")
    os.chown(die, entry.pw_uid, entry.pw_gid)
    try:
        r = site.call("alice", "POST", "api/kernels", json={"name": "campushub-small", "env": {}})
        if r.status_code == 201:  # else EG saw it die during the start already
            kernel = r.json()["id"]
            wait_for(lambda: kernel not in site.eg_kernels(), 120, "EG to give the dead kernel up")
        assert 1 <= launches.read_text().count("launch") <= gateway.RESTART_LIMIT
    finally:
        die.unlink()
        launches.unlink(missing_ok=True)


def test_starts_are_paced_like_restarts(site):
    codes = []
    for _ in range(PER_MINUTE):
        r = site.call("bob", "POST", "api/kernels", json={"name": "campushub-small", "env": {}})
        codes.append(r.status_code)
        if r.status_code == 201:
            site.call("bob", "DELETE", f"api/kernels/{r.json()['id']}")
    assert codes == [201] * PER_MINUTE
    r = site.call("bob", "POST", "api/kernels", json={"name": "campushub-small", "env": {}})
    assert r.status_code == 429
    assert r.json()["message"].startswith(f"You started or restarted kernels {PER_MINUTE} times")
    assert site.call("bob", "GET", "api/kernels").json() == []
