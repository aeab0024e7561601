"""The root kernel launcher Enterprise Gateway runs for each remote kernel
(kernelspecs.py): `python -I -m campushub.deploy.local.remote_kernels.launch
--config FILE --profile NAME CONNECTION_FILE`.

It starts the kernel as the person named by KERNEL_USERNAME (account.py),
in a cgroup of its own with the profile's limits, with their project gids,
a private /tmp, /dev/shm and IPC namespace and a /proc that hides others'
processes (as a server's: forkserver/mounts.py), no_new_privs, a clean
environment and their home as working folder, from the Python of the
profile's environment, listening on unix sockets only they and root can
reach (sockets.py). The connection file EG wrote is
root's (0600): the kernel gets a copy written by itself, as the person, in
~/.local/share/jupyter/runtime.

The launcher stays as the kernel's parent (root): EG's process is this
one, so its poll sees the kernel's end, its interrupt (SIGINT to the process
group) reaches the kernel while the launcher ignores it, and a SIGTERM is
passed on. When the kernel ends, whatever it left in its cgroup is stopped
and the cgroup removed. If the launcher is killed (SIGKILL from EG), the
kernel gets SIGKILL too (parent-death signal), and the next launch removes
the empty cgroup.
"""

# ruff: noqa: E402 - SIGINT is ignored before the imports (below)
from __future__ import annotations

import signal

if __name__ == "__main__":
    # EG interrupts a kernel by signalling the launcher's process group, maybe while this still
    # imports: SIGINT is the kernel's alone (the child sets it back before exec)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

import argparse
import ctypes
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ....config import projects as projects_config
from ....config import remote_kernels
from .. import environments
from ..forkserver import mounts, privileges
from ..projects import groups as project_groups
from ..spawner import cgroups, log_cap
from . import account, kernel_cgroup, sockets

PR_SET_PDEATHSIG = 1
LOG_CAP = 2**20  # of a kernel's own stdout/stderr in EG's log: os.write(2, ...) in a loop must not fill the disk
KEPT = ("LANG", "LC_ALL", "TZ")  # of EG's environment; everything else is the kernel's own


@dataclass(frozen=True)
class Plan:
    kernel_id: str
    argv: list[str]
    env: dict[str, str]
    uid: int
    gid: int
    groups: list[int]
    home: str
    cwd: str | None
    connection: bytes
    procs_files: list[str]
    tmp_options: bytes
    allow_unlimited: bool


def _python(config: dict, profile: dict) -> str:
    env, tag = remote_kernels.environment(config, profile)
    try:
        found = environments.resolve(environments.site_dir(config), env, tag)
    except LookupError as e:
        raise account.Refused(f"{e}: run `campushub env build`") from None
    return str(found.env_dir / "bin" / "python")


def prepare(config: dict, profile_name: str, connection_file: str, env: dict[str, str], hierarchy) -> Plan:
    profiles = remote_kernels.profiles(config)
    if profile_name not in profiles:
        raise account.Refused(f"no profile {profile_name!r} in the site configuration")
    profile = profiles[profile_name]
    kernel_id = env.get("KERNEL_ID", "")
    if not kernel_cgroup.KERNEL_ID.match(kernel_id):
        raise account.Refused(f"KERNEL_ID {kernel_id[:40]!r} is not a kernel id")
    hub_name = env.get("KERNEL_USERNAME")
    entry = account.account(config, hub_name)
    uid, gid, groups = account.ids(entry, env, project_groups.site_root(projects_config.root(config)))
    python = _python(config, profile)
    with open(connection_file, "rb") as f:
        connection = f.read()
    info = json.loads(connection)
    if info.get("transport") != "ipc" or info.get("ip") != sockets.ip(kernel_id):
        # never on TCP, where any account may read its output (the kernelspec names our process proxy)
        raise account.Refused(f"the kernel would listen on {info.get('transport')}://{info.get('ip')}, not on "
                              f"its own sockets {sockets.ip(kernel_id)}")
    procs_files = []
    if hierarchy is not None:
        for gone in kernel_cgroup.sweep(hierarchy):
            sockets.remove(gone)  # a killed launcher left its kernel's socket folder too
        cgroup = kernel_cgroup.name(kernel_id)
        hierarchy.create(cgroup, kernel_cgroup.limits(config, profile))
        procs_files = hierarchy.procs_files(cgroup)
    kernel_env = {k: env[k] for k in KEPT if k in env}
    kernel_env.setdefault("LANG", "C.UTF-8")
    kernel_env.update({
        "HOME": entry.pw_dir, "USER": entry.pw_name, "LOGNAME": entry.pw_name, "SHELL": entry.pw_shell or "/bin/sh",
        "PATH": f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin",
        "KERNEL_ID": kernel_id, "KERNEL_USERNAME": hub_name, "CAMPUSHUB_PROFILE": profile_name,
    })
    return Plan(kernel_id, [python, "-m", "ipykernel_launcher", "-f", "{connection}"], kernel_env, uid, gid, groups,
                entry.pw_dir, env.get("KERNEL_WORKING_DIR") or None, connection, procs_files,
                mounts.mount_options(int(profile["memory"])), bool(config["limits"]["allow_unlimited"]))


def _connection_copy(plan: Plan) -> str:
    """As the person: the connection file in their runtime folder (0700), else a private temp folder."""
    try:
        folder = os.path.join(plan.home, ".local", "share", "jupyter", "runtime")
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        folder = tempfile.mkdtemp(prefix="campushub-kernel-")
    path = os.path.join(folder, f"kernel-{plan.kernel_id}.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(plan.connection)
    return path


def _child(plan: Plan, parent: int, out: int) -> None:
    """In the forked child: become the person for good, then exec the kernel. Never returns."""
    try:
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        cgroups.join(plan.procs_files)
        try:
            mounts.enter(plan.tmp_options)  # joined first: the tmpfs pages count against the kernel's memory
        except OSError as e:
            if not plan.allow_unlimited:
                raise
            print(f"campushub kernel launcher: the host's /tmp and /proc (limits.allow_unlimited): {e}",
                  file=sys.stderr, flush=True)
        privileges.no_new_privs()
        privileges.drop(plan.uid, plan.gid, plan.groups)
        # after the drop, which clears it; a kernel must not outlive a launcher killed with SIGKILL
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)
        os.umask(0o077)
        connection = _connection_copy(plan)
        os.chdir(plan.home)
        if plan.cwd:
            try:
                os.chdir(plan.cwd)  # as the person: only a folder they may enter
            except OSError:
                pass
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        argv = [connection if a == "{connection}" else a for a in plan.argv]
        os.execve(argv[0], argv, plan.env)
    except BaseException as e:  # noqa: BLE001 - whatever it was, the child must not return into the launcher
        print(f"campushub kernel launcher: cannot start the kernel: {e}", file=sys.stderr, flush=True)
    os._exit(127)


def run(plan: Plan, hierarchy) -> int:
    child = 0

    def forward(signum, frame):
        if child:
            os.kill(child, signum)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, forward)
    parent = os.getpid()
    out = log_cap.capped(2, LOG_CAP)
    child = os.fork()
    if child == 0:
        _child(plan, parent, out)
    os.close(out)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the process group's interrupt is the kernel's
    _, status = os.waitpid(child, 0)
    if hierarchy is not None:
        kernel_cgroup.remove(hierarchy, kernel_cgroup.name(plan.kernel_id))
    sockets.remove(plan.kernel_id)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="campushub-kernel-launcher")
    parser.add_argument("--config", required=True, help="the effective site configuration (JSON) `up` writes")
    parser.add_argument("--profile", required=True)
    parser.add_argument("connection_file")
    args = parser.parse_args(argv)
    try:
        with open(args.config) as f:
            config = json.load(f)
        hierarchy = kernel_cgroup.backend(config)
        plan = prepare(config, args.profile, args.connection_file, dict(os.environ), hierarchy)
        sockets.prepare(plan.kernel_id, plan.uid, plan.gid)
    except (account.Refused, OSError, ValueError, cgroups.CgroupUnavailable) as e:
        print(f"campushub kernel launcher: refused: {e}", file=sys.stderr, flush=True)
        return 2
    return run(plan, hierarchy)


if __name__ == "__main__":
    sys.exit(main())
