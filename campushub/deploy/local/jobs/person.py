"""What a local job does as the person: the runner, and a result.json the runner could not write.

Both become the person exactly as a server does (spawner/system_user.py's preexec): the cgroup
joined while still root, a private /tmp and /dev/shm (forkserver/mounts.py, sized at the job's
memory limit, gone with its last process; the kernel's unix sockets live there), no_new_privs,
then the account's uid, gid, groups and project gids, checked from the kernel's own view
(forkserver/privileges.py). Root never writes into a home.
"""

from __future__ import annotations

import grp
import os
import subprocess
from pathlib import Path

from ....jobs import runner
from ..forkserver import mounts, privileges
from ..spawner import cgroups, no_new_privs

RUNNER_SOURCE = Path(runner.__file__).read_text()
RUNTIME_DIR = "/tmp/jupyter-runtime"  # in the job's private /tmp


def exec_gid() -> int:
    """The runner's real gid until it takes its own (privileges.drop's real_gid): nogroup, no files' group."""
    try:
        return grp.getgrnam("nogroup").gr_gid
    except KeyError:
        return 65534  # the kernel's overflow gid


def _become(spec: dict, procs_files: list[str], private_tmp: bool):
    uid, gid, groups, home = spec["uid"], spec["gid"], list(spec["groups"]), spec["home"]
    tmp_options = mounts.mount_options(int(spec["limits"]["memory"])) if private_tmp else None
    # exec'd with another real gid, the runner is never attachable by the person's other processes (their
    # terminal, their kernels), not even before its own prctl (runner.not_traceable), which then takes the gid
    real_gid = exec_gid() if exec_gid() != gid else None

    def preexec():
        cgroups.join(procs_files)
        if tmp_options is not None:
            mounts.enter(tmp_options)
        no_new_privs.enable()
        privileges.drop(uid, gid, groups, real_gid)
        os.chdir(home)

    return preexec


def environment(spec: dict, report_fd: int | None) -> dict[str, str]:
    """A clean environment: nothing of the service's, the user environment's bin first."""
    env = {"HOME": spec["home"], "USER": spec["account"], "LOGNAME": spec["account"], "SHELL": "/bin/bash",
           "LANG": spec.get("lang") or "C.UTF-8",
           "PATH": f"{os.path.dirname(spec['python'])}:/usr/local/bin:/usr/bin:/bin",
           "MEM_LIMIT": str(int(spec["limits"]["memory"])), "CPU_LIMIT": str(spec["limits"]["cpu"]),
           runner.JOB_ENV: spec["job"]}
    if spec.get("private_tmp"):
        env["JUPYTER_RUNTIME_DIR"] = RUNTIME_DIR
    if report_fd is not None:
        env[runner.REPORT_FD_ENV] = str(report_fd)
    return env


def start_runner(spec: dict, procs_files: list[str], report_fd: int) -> subprocess.Popen:
    """`python -I -c <runner>` of the user environment (-I: nothing of the home's on sys.path)."""
    return subprocess.Popen(
        [spec["python"], "-I", "-c", RUNNER_SOURCE], env=environment(spec, report_fd), stdin=subprocess.DEVNULL,
        preexec_fn=_become(spec, procs_files, bool(spec.get("private_tmp"))), pass_fds=(report_fd,))


# what look_up() finds, as the exit status of its process
FOUND, MISSING, NOT_A_FILE, UNREADABLE = 0, 10, 11, 12
_LOOK = """import os, stat, sys
try:
    info = os.stat(sys.argv[1])
except FileNotFoundError:
    sys.exit(10)
except OSError:
    sys.exit(12)
sys.exit(0 if stat.S_ISREG(info.st_mode) and os.access(sys.argv[1], os.R_OK) else
         11 if not stat.S_ISREG(info.st_mode) else 12)
"""


def look_up(python: str, uid: int, gid: int, groups: list[int], home: str, notebook: str) -> int:
    """Whether the person can read `notebook` (relative to `home`), looked at as the person: a link to
    someone else's file, or a folder of theirs, is refused as it would be to the runner. A process
    of its own, its ids set by subprocess before exec: the service that asks has threads, which a
    fork running Python code would not be safe from."""
    try:
        done = subprocess.run([python, "-I", "-c", _LOOK, os.path.join(home, notebook)], user=uid, group=gid,
                              extra_groups=groups, env={"PATH": "/usr/bin:/bin"}, cwd="/", capture_output=True,
                              timeout=30)
    except (OSError, subprocess.SubprocessError):
        return UNREADABLE
    return done.returncode


def write_result(spec: dict, outcome: dict) -> bool:
    """~/jobs/<id>/result.json from the supervisor's outcome, written by a child that is the person."""
    folder = os.path.join(spec["home"], "jobs", spec["id"])
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.umask(0o077)
            no_new_privs.enable()
            privileges.drop(spec["uid"], spec["gid"], list(spec["groups"]))
            os.makedirs(folder, 0o700, exist_ok=True)
            runner.write_json(os.path.join(folder, "result.json"), {**outcome, "notebook": spec["notebook"]})
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0
