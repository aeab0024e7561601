"""The job runner is never attachable by the person's other processes (attack review 16, round 2, #3):
it made itself non-dumpable only once Python had started and parsed the job, and a tracer of the same
account attached before that stayed attached, re-enabled dumpable by syscall injection and could forge the
report. Now the supervisor execs it with a real gid that is not the person's, which leaves it
non-dumpable and unattachable from the exec on; the runner takes the person's gid back after its prctl.
Real account, the real supervisor's start of the runner; the runner's python is a venv whose .pth file
holds it at startup (before any of the runner's code) until the test lets it go, so the window is open
for as long as the test needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from campushub.deploy.local.jobs import person
from campushub.jobs import model

from ....harness import wait_for
from .conftest import HOMES

ATTACH = r"""
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
pid = int(sys.argv[1])
done = libc.ptrace(16, pid, None, None)  # PTRACE_ATTACH
errno = ctypes.get_errno()
if done == 0:
    os.waitpid(pid, 0x40000000)
    libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
print(json.dumps({"attached": done == 0, "errno": errno}))
"""


def _as(account):
    def preexec():
        os.setgroups([])
        os.setresgid(account.pw_gid, account.pw_gid, account.pw_gid)
        os.setresuid(account.pw_uid, account.pw_uid, account.pw_uid)
    return preexec


def attach(account, pid: int) -> dict:
    done = subprocess.run([sys.executable, "-I", "-c", ATTACH, str(pid)], preexec_fn=_as(account),
                          capture_output=True, text=True, timeout=30)
    return json.loads(done.stdout)


def _fifo(path: Path, account) -> Path:
    os.mkfifo(path, 0o600)
    os.chown(path, account.pw_uid, account.pw_gid)
    return path


def _release(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY)  # the reader is waiting, so this does not block
    os.close(fd)


def test_the_runner_cannot_be_attached_even_before_its_prctl(site, people):
    account = people("untrace")
    work = HOMES / f"untraceable-{os.getpid()}"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(work / "venv")], check=True)
    os.chmod(work, 0o755)
    stall = _fifo(work / "stall", account)
    site_packages = next((work / "venv" / "lib").glob("python3*/site-packages"))
    # once: site reads it again through the venv's lib64 link
    (site_packages / "stall.pth").write_text(f"import os, sys; hasattr(sys, 'stalled') or (os.close(os.open("
                                             f"{str(stall)!r}, os.O_RDONLY)), setattr(sys, 'stalled', 1))\n")
    _fifo(Path(account.pw_dir) / "nb.ipynb", account)  # the runner waits there too, after its prctl
    spec = {"python": str(work / "venv" / "bin" / "python"), "uid": account.pw_uid, "gid": account.pw_gid,
            "groups": [], "home": account.pw_dir, "account": account.pw_name, "private_tmp": False,
            "limits": {"memory": 512 * 2**20, "cpu": 1},
            "job": json.dumps({"id": model.new_id(), "notebook": "nb.ipynb", "parameters": {}})}
    read_end, write_end = os.pipe()
    proc = person.start_runner(spec, [], write_end)
    os.close(write_end)
    try:
        cmdline = Path(f"/proc/{proc.pid}/cmdline")
        wait_for(lambda: b"campushub" in cmdline.read_bytes() and str(work).encode() in cmdline.read_bytes(),
                 30, "the runner's exec")
        # held in Python's startup: none of the runner's code has run yet
        assert attach(account, proc.pid) == {"attached": False, "errno": 1}
        _release(stall)
        status = Path(f"/proc/{proc.pid}/status")
        gids = [str(account.pw_gid)] * 4
        wait_for(lambda: status.read_text().split("Gid:")[1].split("\n")[0].split() == gids, 30,
                 "the runner to take the person's gid back")
        assert attach(account, proc.pid) == {"attached": False, "errno": 1}  # non-dumpable by then
    finally:
        proc.kill()
        proc.wait()
        os.close(read_end)
        subprocess.run(["rm", "-rf", str(work)])
