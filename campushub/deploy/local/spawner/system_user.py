"""Spawn each hub user's server as their own unix account, inside a cgroup.

Built on JupyterHub's LocalProcessSpawner: the exec path, hub-restart
recovery (the pid is kept in the spawner state) and signalling are theirs.
What we add is the account, the private home, the cgroup limits, the server's
environment (only the shared read-only venv, nothing of the hub's), a log file
per user, progress events (progress.py), a start from the environment's
pre-warmed fork server where one answers (fork_path.py), a turn in the
hub's start line, and cleaning up after a server (cleanup.py).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import threading
import time

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool, Integer, List, Unicode, default

from ....help import links as help_links
from ....hub import help_texts
from ....hub.policy.spawner import PolicyMixin
from ....i18n import N_, translate
from ..forkserver import privileges
from ..projects import at_start as project_data
from . import cgroups, course_sync, gpus, log_cap, no_new_privs, off_loop, private_tmp, readiness
from . import choice as local_choice
from .cleanup import Cleanup
from .fork_path import Tracking, launch_ids
from .progress import Progress
from .server_env import server_env
from .unix_users import ensure_user, unix_name

FAST_FAILURE_SECONDS = 1.5

# useradd, groupadd and gpasswd (project groups) lock /etc/passwd or /etc/group and fail instead of waiting
_ACCOUNTS_LOCK = threading.Lock()


def _url(started) -> str:
    # Spawner.start may return (ip, port) or a URL
    return started if isinstance(started, str) else f"http://{started[0]}:{started[1]}"


class SystemUserSpawner(Progress, Cleanup, PolicyMixin, Tracking, LocalProcessSpawner):
    """A real unix user per hub user, with cgroup CPU, memory and pids limits,
    and what their group policy lets them choose (policy/spawner.py)."""

    user_prefix = Unicode("jupyter-", help="Prefix of the unix account names.").tag(config=True)
    home_root = Unicode("/home", help="Parent of the users' home directories.").tag(config=True)
    env_dir = Unicode(
        "", help="The shared user environment (a venv); its bin/ is the only PATH entry added."
    ).tag(config=True)
    pids_limit = Integer(1024, help="Most processes and threads per server.").tag(config=True)
    allow_unlimited = Bool(
        False, help="Start servers without limits when cgroups cannot be used."
    ).tag(config=True)
    log_dir = Unicode(
        "", help="Directory for one log file per server; empty keeps the hub's stdout."
    ).tag(config=True)
    environments_root = Unicode(
        "", help="The site's data dir, where `campushub env build` publishes its environment tags; "
        "they are resolved under it at each spawn."
    ).tag(config=True)
    nvidia_smi = Unicode("nvidia-smi", help="The nvidia-smi used to find GPUs.").tag(config=True)
    gpus = Integer(0, help="Whole GPUs for this server (set from the user's choice).")
    gpu_ids = List(help="UUIDs of the GPUs this server holds.")
    environment_label = Unicode("", help="name:tag (version) of the environment chosen for this start.")
    project_gids = List(help="Gids of the person's projects, found at this start; added to the account's groups.")

    @default("cpu_limit")
    def _default_cpu(self):
        return 1.0

    apply_backend_choice = local_choice.apply_backend_choice
    built_environments = local_choice.built_environments

    @default("mem_limit")
    def _default_mem(self):
        return 2 * 1024**3

    @default("ip")
    def _default_ip(self):
        return "127.0.0.1"

    @default("env_keep")
    def _default_env_keep(self):
        # Never leak the hub's PATH/PYTHONPATH (root's interpreter) into user servers.
        return ["LANG", "LC_ALL", "TZ"]

    @default("cmd")
    def _default_cmd(self):
        if self.env_dir:
            return [os.path.join(self.env_dir, "bin", "jupyterhub-singleuser")]
        return ["jupyterhub-singleuser"]

    @property
    def unix_name(self) -> str:
        return unix_name(self.user.name, self.user_prefix)

    @property
    def cgroup_name(self) -> str:
        server = self.name or ""
        return self.unix_name + (f"--{server}" if server else "")

    # -- lifecycle ----------------------------------------------------------

    def _cgroups(self):
        try:
            return cgroups.detect()
        except cgroups.CgroupUnavailable:
            if self.allow_unlimited:
                self.log.warning("cgroups unavailable; starting %s without limits", self.unix_name)
                return None
            raise

    async def start(self):
        self._begin_progress()
        began = time.monotonic()
        try:
            self._step(10, N_("Preparing your account"))
            account = await asyncio.to_thread(self._ensure_account)
            self._step(30, N_("Applying resource limits"))
            self._procs_files = await asyncio.to_thread(self._setup_cgroup)
            self._oom_before = self._oom_kills()
            self._tmp_options = await asyncio.to_thread(private_tmp.options_for, self)
            # before the launch, which reads the account's groups afresh (both paths: getgrouplist)
            projects = project_data.wanted(self)
            if projects:
                self._step(32, N_("Opening your project folders"))
            for note, values in await asyncio.to_thread(
                    project_data.prepare, self, projects, account.pw_dir, _ACCOUNTS_LOCK):
                self._report(translate(self.language(), note, **values))
            found = course_sync.courses(self)
            if found:
                self._step(35, N_("Updating your course materials"))
                notice = await asyncio.to_thread(course_sync.sync_courses, self, found)
                if notice:
                    self._report(notice)
            if self.gpus:
                self._step(40, N_("Reserving GPUs"))
                self.gpu_ids = await asyncio.to_thread(local_choice.reserve_gpus, self)
            # the part that loads the machine waits for its turn when many start at once
            async with self.start_turn(self._report):
                if self.environment_label:  # also for people who get no form: they see what they get
                    self._step(50, N_("Starting your server with {environment}"), environment=self.environment_label)
                else:
                    self._step(50, N_("Starting your server"))
                url = await self._launch()
                self._step(70, N_("Waiting for your server to answer"))
                await readiness.wait_until_answering(self, _url(url), self._explain_exit)
            return url
        except Exception:
            # JupyterHub's spawn page waits 1 s for a spawn; a failure within
            # that second becomes a bare "Unhandled error" 500 page, later
            # ones the spawn-pending page with our message and a retry button.
            await asyncio.sleep(max(0.0, FAST_FAILURE_SECONDS - (time.monotonic() - began)))
            raise
        finally:
            self._end_progress()

    async def _launch(self):
        # the relay is a subprocess: off the event loop, which serves everyone else meanwhile
        out = await off_loop.run(off_loop.close_fd, self._log_pipe)
        try:
            started = await self._start_forked(out)
            if started is None:
                if out is not None:
                    self.popen_kwargs = {**self.popen_kwargs, "stdout": out, "stderr": out}
                started = await super().start()
                self._exec_started()
            return started
        finally:
            if out is not None:
                os.close(out)  # the server has its own copy

    def _explain_exit(self, status: int | None) -> str:
        lang = self.language()
        if status is None:
            return translate(lang, N_("Your server did not answer within {seconds} seconds."),
                             seconds=self.http_timeout)
        if self._oom_kills() > self._oom_before:
            limit = f"{int(self.mem_limit) // 2**20} MiB"
            return translate(lang, N_("Your server stopped while starting: it needed more memory than its limit of {limit}. Ask an administrator for a higher limit."), limit=limit) + help_texts.what_to_do(self.site_config, lang, help_links.MEMORY)  # noqa: E501
        return translate(lang, N_("Your server stopped while starting (exit status {status}). Try again; if it keeps failing, tell an administrator."), status=status)  # noqa: E501

    def _oom_kills(self) -> int:
        usage = self.usage()
        return usage["oom_kills"] if usage else 0

    def _ensure_account(self) -> pwd.struct_passwd:
        with _ACCOUNTS_LOCK:
            return ensure_user(self.unix_name, self.home_root, owner=self.user.name)

    def _setup_cgroup(self) -> list[str]:
        backend = self._cgroups()
        if backend is None:
            return []
        limits = cgroups.Limits(
            cpu=self.cpu_limit or 1.0, memory=int(self.mem_limit or 2 * 1024**3), pids=self.pids_limit,
            cpu_guarantee=self.cpu_guarantee or None, memory_guarantee=int(self.mem_guarantee or 0) or None,
        )
        backend.create(self.cgroup_name, limits)
        return backend.procs_files(self.cgroup_name)

    def _log_pipe(self) -> int | None:
        """The server's stdout and stderr: a capped pipe into its log file; None: the hub's."""
        if not self.log_dir:
            return None
        os.makedirs(self.log_dir, mode=0o700, exist_ok=True)
        path = os.path.join(self.log_dir, f"{self.cgroup_name}.log")
        # The hub may stop before the server; a file (not the hub's pipe)
        # keeps the server from dying of SIGPIPE when it writes later.
        log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            return log_cap.capped(log_fd)
        finally:
            os.close(log_fd)

    def make_preexec_fn(self, name):
        # JupyterHub's set_user_setuid gives the account's groups from /etc/group only: the project
        # gids this start found (projects/at_start.py) are added here, as the fork request adds them
        entry = pwd.getpwnam(self.unix_name)
        ids = launch_ids(entry, self.project_gids)
        procs_files = list(getattr(self, "_procs_files", []))
        tmp_options = getattr(self, "_tmp_options", None)

        def preexec():
            # join the cgroup while still root; the limits then cover exec
            # and the private /tmp's pages
            cgroups.join(procs_files)
            if tmp_options is not None:
                private_tmp.enter(tmp_options)
            no_new_privs.enable()
            privileges.drop(*ids)  # and checks the kernel's view: exactly these groups
            try:
                os.chdir(entry.pw_dir)
            except OSError:
                os.chdir("/")

        return preexec

    def user_env(self, env):
        return server_env(self, env)

    def get_state(self):
        state = super().get_state()
        if self.gpu_ids:
            state["gpu_ids"] = list(self.gpu_ids)
        return state

    def load_state(self, state):
        super().load_state(state)
        # A server still running after a hub restart keeps its GPUs.
        self.gpu_ids = list(state.get("gpu_ids") or [])
        gpus.adopt(self.cgroup_name, self.gpu_ids)

    def clear_state(self):
        super().clear_state()
        self.gpu_ids = []

    def usage(self) -> dict | None:
        """CPU and memory of this server's cgroup, for status pages."""
        try:
            return cgroups.detect().usage(self.cgroup_name)
        except cgroups.CgroupUnavailable:
            return None
