"""How `campushub up` lives and ends.

From before the first process starts until `up` exits, SIGINT and SIGTERM
mean "stop what this `up` started": while starting they interrupt the step
in progress (raising Stopped), while running they end the supervision loop.
Whichever way `up` ends (a signal, an error, the hub dying) the same exit
path stops every process recorded in run/, with stop signals blocked so a
second Ctrl-C cannot cut the cleanup short.

SIGHUP (a second `campushub up`, `systemctl reload`) means "apply the new
configuration": `up` ends its supervision and re-executes itself instead of
cleaning up (deploy/local/restart.py); the fresh process adopts what runs.
If that fresh process fails before it runs again, it goes back to the
arguments it had before (once), rather than stop the site.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import sys
import threading
import time

from rich.console import Console

from ..deploy.local import pids, processes, restart, sites
from ..deploy.local.forkserver_state import state_file
from ..deploy.local.layout import DataDirError, Layout
from .main import CommandError

# seconds between two starts of a process that keeps dying
RETRY = 5.0


class Stopped(BaseException):
    """A stop signal arrived while `up` was starting.

    A BaseException, like KeyboardInterrupt, so no `except Exception` on the
    way (a driver error turned into a message, say) swallows it.
    """

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Lifetime:
    def __init__(self, layout: Layout, adoption: restart.Adoption | None = None):
        self.layout = layout
        self.adoption = adoption  # this `up` re-executed itself: adopt what runs
        self.restart = threading.Event()  # SIGHUP: re-execute once started
        self.stopping = threading.Event()
        self.starting = True
        self.left_over: list[str] = []
        self._deferring = False
        self._pending: int | None = None
        self._on_terminal = False
        self._lock = None
        self._handlers: dict = {}
        self.children: list = []  # processes started here, reaped while supervising

    def __enter__(self) -> Lifetime:
        layout = self.layout
        try:
            layout.ensure()
        except DataDirError as e:
            raise CommandError(str(e)) from None
        if self.adoption:
            # the descriptor the `up` before the exec held the lock with: still ours
            self._lock = os.fdopen(self.adoption.lock_fd, "a")
        else:
            self._lock = open(layout.up_lock, "a")
        message = f"campushub up already runs for {layout.data_dir}; stop it with `campushub down`."
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise CommandError(message) from None
        if not self.adoption and processes.read_pid(layout, "up"):  # an `up` of a version that took no lock
            self._lock.close()
            raise CommandError(message)
        for signum in processes.STOP_SIGNALS:
            self._handlers[signum] = signal.signal(signum, self._on_signal)
        self._on_terminal = _on_terminal()  # checked now: a hung-up terminal is no terminal any more
        self._handlers[signal.SIGHUP] = signal.signal(signal.SIGHUP, self._on_hup)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, restart.HELD)  # what came during an exec arrives now
        try:
            # Holding the lock, anything still recorded was left by an `up` that died,
            # unless this `up` re-executed itself: then it is what it adopts.
            self.left_over = [] if self.adoption else processes.stop_all(layout)
            layout.servers_stopped.unlink(missing_ok=True)
            pids.write(layout.pid_file("up"), os.getpid())
        except BaseException:
            self.__exit__()
            raise
        return self

    def _on_hup(self, signum, frame) -> None:
        if self._on_terminal and _terminal_gone() and not restart.request_file(self.layout).exists():
            # the terminal of a foreground `up` was closed: stop, as on Ctrl-C
            self._on_signal(signal.SIGTERM, frame)
            return
        self.restart.set()  # acted on once started: the supervision loop ends

    def _on_signal(self, signum, frame) -> None:
        first = not self.stopping.is_set()
        self.stopping.set()
        if not (self.starting and first):
            return
        if self._deferring:
            self._pending = signum
        else:
            raise Stopped(signum)

    @contextlib.contextmanager
    def starting_process(self):
        """A stop signal waits until the process being started is recorded.

        Raised between fork and pid file, it would leave a process that no
        cleanup knows about. (Not sigprocmask: the child would inherit the
        blocked signals.)
        """
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
        if self._pending is not None:
            raise Stopped(self._pending)

    def record(self, **state) -> None:
        """Tell `status` (here and in other data dirs) what this `up` runs."""
        self.layout.up_state.write_text(json.dumps(state))
        sites.register(self.layout, **state)

    def __exit__(self, exc_type=None, exc=None, tb=None) -> None:
        if not self.stopping.is_set():
            self._reexec_if_asked(exc_type, exc)
        layout = self.layout
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, processes.STOP_SIGNALS)
        try:
            processes.stop_all(layout)
            sites.unregister(layout)
            for path in (layout.up_state, layout.servers_stopped, state_file(layout), layout.pid_file("up"),
                         *restart.leftovers(layout)):
                path.unlink(missing_ok=True)
            self._lock.close()
        finally:
            # a signal that came during the cleanup finds it done: it only
            # sets `stopping` here, instead of killing us with the default action
            self.starting = False
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            for signum, handler in self._handlers.items():
                signal.signal(signum, handler)

    def _reexec_if_asked(self, exc_type, exc) -> None:
        """Re-execute instead of stopping: on SIGHUP, or to go back after a failed restart."""
        layout, adoption = self.layout, self.adoption
        if exc_type is None and self.restart.is_set():
            asked = restart.take(layout)
            # after going back, sys.argv names run/previous-config.json: a reload reads the operator's file
            own = restart.command_line(adoption)
            args = asked["args"] if asked else own
            restart.reexec(layout.data_dir, self._lock.fileno(), args, asked and asked["id"],
                           restart.keep_previous(layout, own), origin=own)
        if exc_type is not None and issubclass(exc_type, Exception):
            restart.fall_back(adoption, str(exc) or exc_type.__name__)

    def supervise(self, hub, console: Console, restart: dict, tick=None) -> int:
        """Run until Ctrl-C, SIGTERM (from `down`) or the hub exiting on its own.

        restart: process name -> (what to call it, start function) for the
        processes started again when they die: the proxy (the hub puts its
        routes back within seconds, VerifiedRouteProxy, so running servers
        stay reachable) and the services `up` runs beside the hub.
        tick: called once a round for what keeps its own books (the fork
        servers: deploy/local/forkservers.py).
        """
        self.starting = False
        layout = self.layout
        tried: dict[str, float] = {}
        while not (self.stopping.wait(0.5) or self.restart.is_set()):
            if hub.poll() is not None:
                console.print(f"[red]JupyterHub exited (status {hub.returncode}); see {layout.log_file('hub')}[/]")
                return 1
            for name, (label, start) in restart.items():
                if processes.read_pid(layout, name) or time.monotonic() - tried.get(name, -RETRY) < RETRY:
                    continue
                # one that dies at once (a database it cannot open) is tried again every RETRY
                # seconds, not in a tight loop; its log says why
                tried[name] = time.monotonic()
                console.print(f"[yellow]{label} exited; starting it again (log: {layout.log_file(name)})[/]")
                with self.starting_process():
                    started = start()
                self.children.append(started)
            if tick is not None:
                tick()
            for child in filter(None, self.children):  # None: one that was running already
                child.poll()  # reaped, so a dead one does not linger as a zombie
        if self.restart.is_set() and not self.stopping.is_set():
            console.print("Restarting to apply the new configuration; user servers keep running.")
            return 0
        if layout.servers_stopped.exists():
            console.print("Stopping JupyterHub and the proxy; "
                          "`campushub down --stop-servers` stopped the user servers.")
        else:
            console.print("Stopping JupyterHub and the proxy; user servers keep running.")
        return 0


def _terminal_gone() -> bool:
    """True when the terminal `up` ran in has hung up (its SIGHUP is then no request to restart)."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return True
    return False


def _on_terminal() -> bool:
    try:
        return os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # no real stdout (a test capturing it)
        return False
