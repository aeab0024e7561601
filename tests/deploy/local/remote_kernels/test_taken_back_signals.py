"""A kernel the gateway took back (not its child) is signalled only while its launcher is the same
process (attack review 16, round 2, #4): its pid is free again as soon as the launcher ends, and EG's
restarter, a DELETE or the culler then polled and SIGTERM/SIGKILLed whatever process group had that pid.
eg_app's LocalKernel, in the real gateway venv, against real processes; the victim is given the ended
launcher's pid as a reused pid would be (a test cannot make the kernel hand out a chosen pid)."""

from __future__ import annotations

import json
import subprocess

import pytest

from campushub.config import validate
from campushub.deploy.local.remote_kernels import gateway, venv

pytestmark = pytest.mark.stack

SCRIPT = r"""
import json, logging, os, runpy, subprocess, sys
app = runpy.run_path(sys.argv[1], run_name="campushub_eg_app")
LocalKernel, identity = app["LocalKernel"], app["_identity"]
launcher = subprocess.Popen(["sleep", "600"], start_new_session=True)
proxy = LocalKernel.__new__(LocalKernel)  # as load_process_info leaves a taken-back kernel
proxy.log, proxy.local_proc, proxy.ip = logging.getLogger("eg"), None, "127.0.0.1"
proxy.pid = proxy.pgid = launcher.pid
proxy._launcher = identity(launcher.pid)
seen = {"alive": proxy.poll()}
launcher.kill()
launcher.wait()
# a later start than the launcher's (clock ticks), as a reused pid's process has; ticks are 10 ms
started = int(proxy._launcher.split()[1])
while float(open("/proc/uptime").read().split()[0]) * os.sysconf("SC_CLK_TCK") < started + 2:
    pass
victim = subprocess.Popen(["sleep", "600"], start_new_session=True)
proxy.pid = proxy.pgid = victim.pid  # the launcher's pid, someone else's now
seen["after"] = proxy.poll()
proxy.kill()  # what EG's restarter or a DELETE does to a kernel it thinks alive
seen["victim"] = victim.poll()
seen["pid"] = proxy.pid
victim.kill()
print(json.dumps(seen))
"""


def test_a_taken_back_kernel_whose_launcher_ended_signals_nobody():
    python = venv.ensure_gateway_env(validate({})) / "bin" / "python"
    done = subprocess.run([str(python), "-I", "-c", SCRIPT, str(gateway.APP)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["alive"] is None  # EG's "alive", while the launcher is the one taken back
    assert seen["after"] is False  # gone, though a process has that pid
    assert seen["victim"] is None  # and that process was not signalled
    assert seen["pid"] == 0
