"""The fork servers of a site (deploy/local/forkserver/) as `campushub up` runs them.

One per environment version in use: the default tag of every environment
from the start, any other version once a spawn asks for it (the spawner
leaves a fork_client.want() marker; the supervision loop picks it up). Each
is a process of `up`'s like the proxy: own session, a pid file in run/ (so
`down` and the next `up` find it, and stopping it signals the parent alone:
the servers it forked live in sessions of their own and keep running), a
log in logs/. It runs as root with its environment's own Python and a
minimal environment: nothing of the hub's, no token.

A fork server that cannot start is a warning, never a failed `up`: the
spawner then starts servers the usual way (exec). One that keeps failing is
tried again later and later (importing the stack costs seconds of CPU).

When its environment changes (the completion marker: the env was rebuilt;
CampusHub's files laid into it: `campushub env build` after an upgrade) a new
fork server starts beside the old one. It binds a fresh socket at the same
path only once it is warm, so the old one serves until then; once the new
one answers there the old parent is stopped. Running servers are not touched.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

from . import forkserver_wanted, processes
from .forkserver_process import fingerprint, identity, spawn
from .forkserver_state import PREFIX, ForkEnv, ForkProc, write_state
from .layout import Layout
from .singleuser_files import ensure_singleuser_files, laid_files
from .spawner import fork_client
from .userenv import is_complete

READY_TIMEOUT = 180.0  # a cold environment on a busy machine reads the whole stack from disk
PING_TIMEOUT = 5.0
CHECK_EVERY = 2.0  # seconds between two looks at an environment's files
# A live fork server that stops answering (hung) would cost every start the client's timeout
# before the exec path; one that misses two pings in a row is started again.
HEALTH_EVERY, HEALTH_TIMEOUT, HEALTH_MISSES = 30.0, 10.0, 2
RETRY, MAX_RETRY = 5.0, 300.0
SOCKET_MAX = 107  # bytes in an AF_UNIX path

Say = Callable[..., None]  # say(message, warning=False)


def enabled(config: dict) -> bool:
    return bool(config["spawner"].get("fork_server", True))


def directory(layout: Layout) -> Path:
    """Sockets, exit records and want() markers: root's alone (0700)."""
    return layout.data_dir / "forkservers"


def pid_name(env_dir: Path, replacing: bool = False) -> str:
    return f"{PREFIX}{env_dir.name}" + ("-next" if replacing else "")


class ForkServers:
    """The fork servers of one `up`. `guard` (Lifetime.starting_process) holds
    off a stop signal between starting a process and recording its pid."""

    def __init__(self, layout: Layout, envs_root: Path, say: Say, guard=contextlib.nullcontext,
                 defaults: Callable[[], list[Path]] | None = None):
        """`defaults()`: the default tags' env dirs as they are now (followed while `up` runs)."""
        self.layout, self.envs_root, self.say, self.guard = layout, Path(envs_root), say, guard
        self.defaults, self._defaults_checked = defaults, 0.0
        self.dir = directory(layout)
        self.envs: dict[str, ForkEnv] = {}
        self._files: dict[str, list[Path]] = {}

    def prepare(self) -> None:
        """Make the private directory; forget markers of envs used by an earlier run (they ask again)."""
        self.dir.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(self.dir)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            raise OSError(f"{self.dir} belongs to another account or is a link; remove it")
        os.chmod(self.dir, 0o700)
        forkserver_wanted.forget(self.dir)

    def start(self, env_dirs: list[Path], timeout: float = READY_TIMEOUT) -> bool:
        """Start one per env dir and wait until each answers or failed; True if all answer."""
        self.launch(env_dirs)
        return self.wait(timeout)

    def launch(self, env_dirs: list[Path]) -> None:
        """Start one per env dir without waiting: `up` starts the hub meanwhile (a spawn before one
        answers takes the exec path: a fork server binds its socket only once it is warm)."""
        for env_dir in env_dirs:
            self._add(Path(env_dir)).default = True
        self._save()

    def wait(self, timeout: float = READY_TIMEOUT) -> bool:
        """Until every starting fork server answers or failed; True if all answer."""
        deadline = time.monotonic() + timeout
        while any(env.pending for env in self.envs.values()) and time.monotonic() < deadline:
            for env in self.envs.values():
                if env.pending:
                    self._advance(env)
            time.sleep(0.1)
        self._save()
        return all(env.current for env in self.envs.values())

    def tick(self) -> None:
        """One look, from the supervision loop: markers, deaths, changes, starts in progress."""
        try:
            self._tick()
        except OSError as e:  # a full disk, say: the hub and the servers go on, so does `up`
            self.say(f"Supervising the fork servers: {e}", warning=True)

    def _tick(self) -> None:
        self._take_wanted()
        now = time.monotonic()
        self._follow_defaults(now)
        for env in list(self.envs.values()):
            if env.pending:
                self._advance(env)
            elif env.current and processes.read_pid(self.layout, env.current.name) is None:
                status = env.current.proc.poll()
                self.say(f"The fork server of {env.env_dir.name} exited (status {status}); starting it "
                         f"again (log: {self._log(env.env_dir)})", warning=True)
                env.current = None
                if now >= env.next_try:  # else on a later tick: at most one start per RETRY seconds
                    self._launch(env)
            elif env.current is None:
                if now >= env.next_try:
                    self._launch(env)
            elif not self._changed(env, now) and now - env.pinged >= HEALTH_EVERY:
                self._health(env)
        self._save()

    def _follow_defaults(self, now: float) -> None:
        if self.defaults is None or now - self._defaults_checked < CHECK_EVERY:
            return
        self._defaults_checked = now
        current = {d.name: d for d in map(Path, self.defaults())}
        for name, env in list(self.envs.items()):
            if env.default and name not in current:
                self.say(f"{name} is no longer a default environment: stopping its fork server (its "
                         "servers go on running; a start there asks for it again)")
                for proc in (env.pending, env.current):
                    if proc is not None:
                        processes.stop(self.layout, proc.name, timeout=5)
                        proc.proc.poll()
                del self.envs[name]
        for name, env_dir in current.items():
            if name not in self.envs:
                self.say(f"Starting a fork server for {name} (now a default environment)")
            self._add(env_dir).default = True

    def _changed(self, env: ForkEnv, now: float) -> bool:
        """Replace a running fork server whose environment changed; True if it did."""
        if now - env.checked < CHECK_EVERY:
            return False
        env.checked = now
        new = fingerprint(env.env_dir, self._files[env.env_dir.name])
        if new is None or new == env.current.fingerprint:
            return False
        self.say(f"Environment {env.env_dir.name} changed: replacing its fork server "
                 "(running servers are not touched)")
        self._launch(env)
        return True

    def _health(self, env: ForkEnv) -> None:
        env.pinged = time.monotonic()
        sock = fork_client.socket_path(str(self.dir), str(env.env_dir))
        if fork_client.ping(sock, timeout=HEALTH_TIMEOUT):
            env.misses = 0
            return
        env.misses += 1
        if env.misses < HEALTH_MISSES:
            return
        self.say(f"The fork server of {env.env_dir.name} (pid {env.current.proc.pid}) does not answer; "
                 f"starting it again (log: {self._log(env.env_dir)})", warning=True)
        processes.stop(self.layout, env.current.name, timeout=5)
        env.current.proc.poll()
        env.current, env.misses = None, 0
        self._launch(env)

    # -- one environment ---------------------------------------------------

    def _add(self, env_dir: Path) -> ForkEnv:
        if env_dir.name not in self.envs:
            self.envs[env_dir.name] = ForkEnv(env_dir)
            self._launch(self.envs[env_dir.name])
        return self.envs[env_dir.name]

    def _log(self, env_dir: Path) -> Path:
        return self.layout.log_file(pid_name(env_dir))

    def _launch(self, env: ForkEnv) -> None:
        env_dir = env.env_dir
        env.next_try = time.monotonic() + RETRY
        sock = fork_client.socket_path(str(self.dir), str(env_dir))
        try:
            if not is_complete(env_dir):
                raise OSError("the environment is not completely built: run `campushub env build`")
            if len(os.fsencode(sock)) > SOCKET_MAX:
                raise OSError(f"its socket path {sock} is longer than {SOCKET_MAX} bytes: use a shorter data_dir")
            if env_dir.name not in self._files:
                # the package first of all; later starts take the env as they find it: a change
                # (`env build` of a newer CampusHub) is what a replacement is for, not to be undone
                ensure_singleuser_files(env_dir)
                self._files[env_dir.name] = sorted(laid_files(env_dir))
            started_from = fingerprint(env_dir, self._files[env_dir.name])
            if env.current is None:
                # a dead one's socket: nothing listens there any more
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(sock)
            before = identity(sock)
            name = pid_name(env_dir, replacing=env.current is not None)
            with self.guard():
                proc = spawn(self.layout, name, env_dir, self.dir, self._log(env_dir))
        except OSError as e:
            self._failed(env, str(e))
            return
        env.checked = time.monotonic()
        env.pending = ForkProc(name, proc, started_from, time.monotonic(), before)

    def _advance(self, env: ForkEnv) -> None:
        """A starting fork server: ready once a fresh socket at its path answers."""
        new = env.pending
        sock = fork_client.socket_path(str(self.dir), str(env.env_dir))
        status = new.proc.poll()
        if status is not None:
            self._give_up(env, f"it exited with status {status}")
            return
        if time.monotonic() - new.started > READY_TIMEOUT:
            self._give_up(env, f"it did not answer within {READY_TIMEOUT:.0f} seconds")
            return
        now = identity(sock)
        if now is None or now == new.before or not fork_client.ping(sock, timeout=PING_TIMEOUT):
            return
        if env.current:  # the new one took over the path: the old parent is idle from now on
            processes.stop(self.layout, env.current.name)
            env.current.proc.poll()
        if new.name != pid_name(env.env_dir):
            os.replace(self.layout.pid_file(new.name), self.layout.pid_file(pid_name(env.env_dir)))
            new.name = pid_name(env.env_dir)
        env.current, env.pending, env.failures, env.error = new, None, 0, ""
        env.pinged = time.monotonic()
        self.say(f"Fork server of {env.env_dir.name} ready (pid {new.proc.pid}, "
                 f"{time.monotonic() - new.started:.1f} s)")

    def _give_up(self, env: ForkEnv, why: str) -> None:
        processes.stop(self.layout, env.pending.name, timeout=5)
        env.pending.proc.poll()
        env.pending = None
        if env.current:
            # it serves an environment that has changed under it: the usual way is right, it may not be
            processes.stop(self.layout, env.current.name)
            env.current.proc.poll()
            env.current = None
        self._failed(env, f"{why}; see {self._log(env.env_dir)}")

    def _failed(self, env: ForkEnv, why: str) -> None:
        env.failures += 1
        env.error = why
        wait = min(RETRY * 2 ** env.failures, MAX_RETRY)
        env.next_try = time.monotonic() + wait
        self.say(f"No fork server for {env.env_dir.name}: {why}. Its servers start the usual way; "
                 f"trying again in {wait:.0f} s.", warning=True)

    def _take_wanted(self) -> None:
        asked, refused = forkserver_wanted.take(self.dir, self.envs_root)
        for text in refused:
            self.say(f"Ignored a request for a fork server of {text!r}: not a built environment "
                     f"in {self.envs_root}", warning=True)
        for env_dir in asked:
            if env_dir.name not in self.envs:
                self.say(f"Starting a fork server for {env_dir.name} (first use)")
                self._add(env_dir)

    def _save(self) -> None:
        write_state(self.layout, {
            name: {"env_dir": str(env.env_dir),
                   "state": ("replacing" if env.current else "starting") if env.pending
                   else "running" if env.current else "failed",
                   "pid": (env.current or env.pending).proc.pid if (env.current or env.pending) else None,
                   "error": env.error, "default": env.default,  # and what a re-executed `up` adopts by
                   "fingerprint": env.current.fingerprint if env.current else None}  # (forkserver_adopt.py)
            for name, env in self.envs.items()})
