"""The fork server's parent: import the stack, listen, accept and fork, reap.

The parent never reads from a connection: it accepts and forks, and the
child reads its own request. So the parent never holds anyone's token or
environment, and a client that connects and says nothing blocks only its
own child. No threads and no event loop (a fork copies only the calling
thread); SIGCHLD arrives through signal.set_wakeup_fd in the same selector
as the listening socket.
"""

from __future__ import annotations

import gc
import os
import selectors
import signal
import socket
import sys
import time

from . import child, preload

# Records nobody collected (pings, servers of a hub that was reset) are removed after this.
RECORD_DAYS = 7


def log(message: str) -> None:
    print(f"campushub_forkserver[{os.getpid()}]: {message}", file=sys.stderr, flush=True)


class Refused(RuntimeError):
    pass


def _listen(path: str) -> socket.socket:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    st = os.stat(directory)
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise Refused(f"{directory} must belong to root and be private (chmod 700 {directory})")
    try:
        os.unlink(path)  # a previous fork server's; its listening socket stays usable to it
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # created 0600, never briefly open to others
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    listener.listen(128)
    listener.setblocking(False)
    return listener


def _record(exits: str, pid: int, code: int) -> None:
    tmp = os.path.join(exits, f".{pid}.tmp")
    with open(tmp, "w") as f:
        f.write(f"{code}\n")
    os.replace(tmp, os.path.join(exits, str(pid)))  # a reader never sees half a record


def _prune(exits: str) -> None:
    old = time.time() - RECORD_DAYS * 86400
    for name in os.listdir(exits):
        try:
            if os.stat(os.path.join(exits, name)).st_mtime < old:
                os.unlink(os.path.join(exits, name))
        except OSError:
            pass


def _reap(exits: str) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)  # as Popen.returncode: negative for a signal
        try:
            _record(exits, pid, code)
        except OSError as e:
            log(f"cannot record the exit of {pid}: {e}")


def serve(socket_path: str, exits: str) -> int:
    gc.disable()  # no collections until the freeze: fewer pages touched, more shared
    missing = preload.load(log)
    problem = preload.unsafe_to_fork()
    if problem:
        log(f"refusing to serve: {problem}")
        return 1
    try:
        os.makedirs(exits, mode=0o700, exist_ok=True)
        listener = _listen(socket_path)
    except (OSError, Refused) as e:
        log(f"cannot listen on {socket_path}: {e}")
        return 1
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    stopping: list[int] = []
    signal.signal(signal.SIGCHLD, lambda *_: None)  # the wakeup fd does the work
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, _: stopping.append(signum))
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)

    def forget() -> None:  # in a child: none of this is the user's
        selector.close()
        listener.close()
        os.close(wake_r)
        os.close(wake_w)

    gc.freeze()
    bound = os.stat(socket_path).st_ino
    log(f"serving {socket_path} ({len(missing)} of the server's modules could not be preloaded)")
    pruned = 0.0
    while not stopping:
        for key, _ in selector.select():
            if key.fileobj is listener:
                _accept_all(listener, forget)
            else:
                while True:
                    try:
                        if not os.read(wake_r, 512):
                            break
                    except BlockingIOError:
                        break
                _reap(exits)
                if time.monotonic() - pruned > 3600:
                    pruned = time.monotonic()
                    _prune(exits)
    listener.close()
    try:
        if os.stat(socket_path).st_ino == bound:  # not a successor's socket
            os.unlink(socket_path)
    except OSError:
        pass
    log("stopped; servers it started keep running")
    return 0


def _accept_all(listener: socket.socket, forget) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:  # out of fds: the pending client waits for the next round
            log(f"accept failed: {e}")
            return
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as e:
            log(f"fork failed: {e}")
            conn.close()
            continue
        if pid == 0:
            child.run(conn, forget)  # never returns
        conn.close()
