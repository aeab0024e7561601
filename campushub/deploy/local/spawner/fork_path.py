"""Starting a local server from its environment's fork server (deploy/local/forkserver/).

A forked server skips the ~2.6 CPU-seconds of imports an exec'd one pays
and shares the fork server's pages; the steps the exec path's preexec_fn
takes (cgroup, private /tmp, no_new_privs, the user's ids) are taken by the
forked child from the request built here. Whenever the fork server cannot be
used, the start takes the exec path, and the hub log says why.

A forked server is not a child of the hub: it is tracked by pid plus start
time (signals go through a pidfd), and its exit status comes from the fork
server's exit records. The pid, start time and records directory are kept in
the spawner's state, so a restarted hub polls and stops it as before.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import time

from jupyterhub.utils import random_port
from traitlets import Bool, Integer, Unicode
from traitlets.config import Configurable

from .. import pids
from . import fork_client, fork_launch

LAUNCH_TIMEOUT = 30
# The fork server writes a record as soon as it reaps the child; without one
# by then (a replaced fork server never reaps its predecessor's children) the
# status is unknown, and 0 as for LocalProcessSpawner after a hub restart.
RECORD_WAIT = 2.0


def current_umask() -> int:
    # os.umask() would have to change it, for every thread of the hub, to read it
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def unavailable(spawner) -> str | None:
    """Why this start cannot use a fork server at all, or None."""
    if not spawner.fork_server or not spawner.fork_server_dir:
        return "the fork server is turned off (spawner.fork_server: false)"
    if not spawner.env_dir:
        return "no user environment is configured (env_dir)"
    if spawner.shell_cmd:
        return "shell_cmd is set"
    if getattr(spawner, "app_spec", None) is not None:
        return "an app server runs the app proxy, not jupyterhub-singleuser"
    server = os.path.join(spawner.env_dir, "bin", "jupyterhub-singleuser")
    if list(spawner.cmd) != [server]:
        return f"the command {list(spawner.cmd)} is not {server}"
    return None


def launch_ids(entry: pwd.struct_passwd, project_gids) -> tuple[int, int, list[int]]:
    """uid, gid and groups of a launch: the account's groups in /etc/group plus its project gids
    (nobody is listed in a project group there: deploy/local/projects/groups.py)."""
    groups = set(os.getgrouplist(entry.pw_name, entry.pw_gid)) | set(project_gids)
    return entry.pw_uid, entry.pw_gid, sorted(groups)


def build_request(spawner) -> dict:
    """What the forked child needs: what Popen and the exec path's preexec_fn get."""
    entry = pwd.getpwnam(spawner.unix_name)
    uid, gid, groups = launch_ids(entry, getattr(spawner, "project_gids", ()))
    tmp_options = getattr(spawner, "_tmp_options", None)
    return {
        "argv": list(spawner.cmd) + list(spawner.get_args()),
        "env": {str(k): str(v) for k, v in spawner.get_env().items()},  # with user_env, as Popen gets it
        "uid": uid, "gid": gid, "groups": groups,
        "home": entry.pw_dir,
        "cwd": entry.pw_dir,  # set_user_setuid's chdir; the server's root comes from JUPYTERHUB_ROOT_DIR
        "umask": current_umask(),  # an exec'd server inherits the hub's
        "procs_files": list(getattr(spawner, "_procs_files", [])),
        "tmp_options": tmp_options.decode() if tmp_options is not None else None,
        "title": f"jupyterhub-singleuser {spawner.cgroup_name}",
        "kernel_zygote": True,
    }


def _wait_record(exits: str, pid: int) -> int:
    deadline = time.monotonic() + RECORD_WAIT
    while (status := fork_client.exit_status(exits, pid)) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return 0 if status is None else status


def _signal(pid: int, start_time: int, signum: int) -> bool:
    """Send `signum` to that very process; False if it no longer runs."""
    if signum == 0:
        return fork_client.pid_alive(pid, start_time)
    return pids.signal_checked(pid, signum, lambda: pids.start_time(pid) == start_time)


class Tracking(Configurable):
    """Mixin just above LocalProcessSpawner: the fork path, and processes known by pid and start time."""

    fork_server = Bool(True, help="Start servers from their environment's pre-warmed fork server "
                       "when one answers; else, and when False, by exec.").tag(config=True)
    fork_server_dir = Unicode("", help="Where the fork servers' sockets and exit records are "
                              "(<data_dir>/forkservers); empty: exec only.").tag(config=True)
    fork_exits = Unicode("", help="The exit records directory of the fork server that started this server.")
    pid_start_time = Integer(0, help="Start time of the server's pid (pids.start_time); -1: gone at once.")

    async def _start_forked(self, log_fd: int | None):
        """(ip, port) of a server started by the fork server; None: take the exec path (logged)."""
        reason = unavailable(self)
        if reason is None:
            socket = fork_client.socket_path(self.fork_server_dir, self.env_dir)
            if not os.path.exists(socket):
                await asyncio.to_thread(fork_client.want, self.fork_server_dir, self.env_dir)
                reason = f"no fork server for {self.env_dir} yet (asked for one)"
        if reason is not None:
            self.log.info("Starting %s by exec: %s", self._log_name, reason)
            return None
        if self.port == 0:
            self.port = random_port()
        request = build_request(self)
        launching = fork_launch.Launch(socket, request, 1 if log_fd is None else log_fd, LAUNCH_TIMEOUT)
        try:
            pid = await asyncio.to_thread(launching.run)
        except asyncio.CancelledError:  # a stop while starting: the thread goes on (fork_launch.py)
            launching.abandon()
            raise
        except fork_client.ForkUnavailable as e:
            await asyncio.to_thread(fork_client.want, self.fork_server_dir, self.env_dir)
            self.log.warning("Starting %s by exec: the fork server is unavailable: %s", self._log_name, e)
            return None
        except fork_client.ForkFailed as e:
            self.log.warning("Starting %s by exec: the fork server could not start it: %s", self._log_name, e)
            return None
        self.proc, self.pid = None, int(pid)
        self.fork_exits = fork_client.exits_dir(self.fork_server_dir, self.env_dir)
        # the child's own word, read before the user could end it: read now, the
        # pid may already be another account's process (the hub would adopt and signal it)
        self.pid_start_time = getattr(pid, "start_time", None) or pids.start_time(pid) or -1
        self.log.info("Started %s by the fork server %s as pid %s", self._log_name, socket, pid)
        return (self.ip or "127.0.0.1", self.port)

    def _exec_started(self) -> None:
        self.fork_exits = ""
        self.pid_start_time = pids.start_time(self.pid) or 0

    async def poll(self):
        if self.proc is not None or not self.pid or not self.pid_start_time:
            return await super().poll()  # LocalProcessSpawner: its own Popen, or a bare pid
        if fork_client.pid_alive(self.pid, self.pid_start_time):
            return None
        status = await asyncio.to_thread(_wait_record, self.fork_exits, self.pid) if self.fork_exits else 0
        self.clear_state()
        return status

    async def _signal(self, sig):
        if self.proc is not None or not self.pid_start_time:
            return await super()._signal(sig)
        return _signal(self.pid, self.pid_start_time, sig)

    def get_state(self):
        state = super().get_state()
        if self.pid and self.pid_start_time:
            state["pid_start_time"] = self.pid_start_time
        if self.pid and self.fork_exits:
            state["fork_exits"] = self.fork_exits
        return state

    def load_state(self, state):
        super().load_state(state)
        self.pid_start_time = int(state.get("pid_start_time") or 0)
        self.fork_exits = state.get("fork_exits") or ""

    def clear_state(self):
        super().clear_state()
        self.pid_start_time, self.fork_exits = 0, ""
