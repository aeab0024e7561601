"""The sandbox a notebook's kernel runs in.

bubblewrap, started as root WITHOUT a user namespace (root may create the
mount, pid, network, IPC and UTS namespaces itself, so this works where
unprivileged user namespaces are refused: Ubuntu 24.04's AppArmor policy, a
chroot), then `setpriv` (util-linux) drops to the `nobody` account with no
capabilities, no supplementary groups and no_new_privs before anything of the
notebook runs. Everything is read-only except the run's own scratch
directory; no network unless asked.
"""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ...deploy.local import tools as system_tools


@dataclass(frozen=True)
class Limits:
    memory: int = 2 * 2**30
    cpu: float = 1.0
    pids: int = 512
    timeout: int = 300            # per cell, seconds; the notebook is stopped 30 s after it
    network: bool = False


class Unavailable(RuntimeError):
    """No sandbox can be made here; the message is one line saying why and what to do."""


# tool -> Debian package that brings it
TOOLS = {"bwrap": "bubblewrap", "setpriv": "util-linux"}
FLAGS = ["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
         "--die-with-parent", "--new-session"]


def account() -> tuple[int, int]:
    uid = pwd.getpwnam("nobody").pw_uid
    try:
        gid = grp.getgrnam("nogroup").gr_gid
    except KeyError:
        gid = pwd.getpwnam("nobody").pw_gid
    return uid, gid


def tools() -> dict[str, str]:
    """Absolute paths of bwrap and setpriv, or Unavailable naming the package to install."""
    try:
        return {tool: system_tools.require(tool, package, "the content check sandbox")
                for tool, package in TOOLS.items()}
    except system_tools.MissingTool as e:
        raise Unavailable(str(e)) from None


def tool(name: str, package: str) -> str:
    """The absolute path of another tool a sandbox needs, or Unavailable naming the package to install."""
    try:
        return system_tools.require(name, package, "the sandbox")
    except system_tools.MissingTool as e:
        raise Unavailable(str(e)) from None


def command(scratch: Path, cwd: Path, limits: Limits, procs_files: list[str] = (), *, hide: Sequence[Path] = (),
            keep: Sequence[Path] = (), address_space: int | None = None, sockets: bool | None = None) -> list[str]:
    """The prefix that runs a command in the sandbox, joined to the run's cgroup first.

    `hide` are folders replaced by empty ones inside (a service's data, home folders), `keep` folders under
    them shown again read-only (the environment the kernel runs from); `address_space` caps each process's
    virtual memory, so that one huge allocation fails with MemoryError instead of waking the OOM killer;
    `sockets` says the scratch has a .sockets folder (by default: whether root sees one here)."""
    found = tools()
    uid, gid = account()
    cmd = [found["bwrap"], *FLAGS, *([] if limits.network else ["--unshare-net"]),
           "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
           # private, size-capped /tmp and /dev/shm (multiprocessing needs it), gone with the sandbox
           "--perms", "1777", "--size", str(limits.memory), "--tmpfs", "/tmp",
           "--perms", "1777", "--size", str(limits.memory), "--tmpfs", "/dev/shm",
           *[arg for path in hide if os.path.isdir(path) for arg in ("--perms", "0755", "--tmpfs", str(path))],
           *[arg for path in keep if os.path.isdir(path) for arg in (*_reachable(Path(path), hide),
                                                                      "--ro-bind", str(path), str(path))],
           # the run's parent folder is root's alone outside; inside, an empty one the sandbox account can cross
           "--perms", "0755", "--tmpfs", str(scratch.parent),
           "--bind", str(scratch), str(scratch)]
    if sockets if sockets is not None else (scratch / ".sockets").is_dir():
        # a mount point of its own: the kernel (its owner until the runner locks it) cannot rename it and
        # put a link in its place, which the runner, as root, would follow when it locks or cleans it up
        cmd += ["--bind", str(scratch / ".sockets"), str(scratch / ".sockets")]
    cmd += ["--chdir", str(cwd), "--clearenv"]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": scratch,
           "TMPDIR": scratch / ".tmp",
           "JUPYTER_RUNTIME_DIR": scratch / ".runtime", "IPYTHONDIR": scratch / ".ipython",
           "MPLCONFIGDIR": scratch / ".mpl"}
    for name, value in env.items():
        cmd += ["--setenv", name, str(value)]
    cmd += [found["setpriv"], f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--no-new-privs",
            "--bounding-set=-all", "--inh-caps=-all", "--"]
    steps = [f"echo $$ > {shlex.quote(f)}" for f in procs_files]
    if address_space:
        steps.append(f"ulimit -v {address_space // 1024}")
    if not steps:
        return cmd
    # The shell joins the cgroup as root, then becomes bwrap: every process of the kernel is limited and measured.
    return ["/bin/sh", "-c", f'{" && ".join(steps)} && exec "$@"', "sh", *cmd]


def _reachable(path: Path, hide: Sequence[Path]) -> list[str]:
    """bwrap makes the missing folders on the way to a mount point 0700, root's alone: the folders between a
    hidden one and `path` made 0755 first, so the sandbox account can reach what is shown again there
    (--dir leaves a folder that exists as it is)."""
    args = []
    for folder in reversed(path.parents):
        if any(Path(top) in folder.parents for top in hide):
            args += ["--perms", "0755", "--dir", str(folder)]
    return args


def require_root() -> None:
    if os.geteuid() != 0:
        raise Unavailable("run as root (for example with sudo): the sandbox runs notebooks as `nobody` "
                          "in their own cgroup")


def probe(scratch: Path) -> None:
    """Make one sandbox and run `true` in it, before any notebook: Unavailable with the reason if it fails."""
    require_root()
    scratch.mkdir(exist_ok=True)
    done = subprocess.run([*command(scratch, scratch, Limits()), "/bin/true"], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        reason = next((line for line in done.stderr.splitlines() if line.strip()), f"exit status {done.returncode}")
        raise Unavailable(f"cannot make a sandbox here ({reason[:300]}); notebooks were not run")
