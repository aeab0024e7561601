"""Python kernels forked from a warm zygote instead of exec'd (env-side, stdlib only).

Laid into each environment as campushub_kernel_fork/kernel_fork.py. An
exec'd ipykernel spends most of its start importing IPython and ipykernel;
the fork server's parent has already imported both, so a zygote forked from
the server process (after it became the user) starts kernels that share
those pages and are ready in a fraction of the time.

The fork server's child calls start_zygote() before it runs the server and
puts the returned fd in CAMPUSHUB_KERNEL_ZYGOTE_FD; the server's config
takes it with zygote_from_environment() and chooses the provisioner
(kernel_provisioner.py). Per launch the provisioner sends one request on
the zygote's socket (SOCK_SEQPACKET: a message is a JSON object, fds ride
along with it): argv, env, cwd, kernel id, plus its end of a fresh
socketpair, stdout and stderr. On that connection the zygote answers
{"pid": N} with a pidfd (or {"error": "..."} when nothing was started) and
later {"exit": status} as Popen.returncode would be. The zygote exits when
the server's end closes; the kernels' ipykernel parent poller then ends them,
as exec'd kernels end with their server.

What a forked kernel does not get from a fresh interpreter: its own hash
seed and interpreter flags (sys.flags are the fork server's), so a launch
whose environment sets interpreter-level PYTHON* variables is exec'd.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import sys

from .kernel_child import run_kernel, set_title, user_name

REQUEST_LIMIT = 1 << 20
# Variables a fresh interpreter reads only at start-up; the kernel child applies those it can
# (PYTHONPATH, PYTHONDONTWRITEBYTECODE); any other PYTHON* in a kernel's environment means exec.
HARMLESS_PYTHON_VARIABLES = {"PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTHONIOENCODING",
                             "PYTHONBREAKPOINT", "PYTHONSTARTUP", "PYTHONNOUSERSITE", "PYTHONUSERBASE"}
# ipykernel's own kernelspec asks for this (debugger breakpoints in stdlib modules); a forked
# kernel keeps the fork server's setting.
ACCEPTED_OPTIONS = ("-Xfrozen_modules=off",)
_zygote: socket.socket | None = None


def why_not(argv: list, env: dict) -> str | None:
    """None if this launch can be forked, else why it is exec'd."""
    argv = [str(a) for a in argv]
    exe = os.path.normpath(argv[0]) if argv and os.path.isabs(argv[0]) else ""
    if (os.path.dirname(exe) != os.path.join(sys.prefix, "bin") or os.path.basename(exe) not in
            ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}") or
            os.path.realpath(exe) != os.path.realpath(sys.executable)):
        return "not this environment's python"
    rest = argv[1:]
    while rest and rest[0] in ACCEPTED_OPTIONS:
        rest = rest[1:]
    if len(rest) != 4 or rest[:3] != ["-m", "ipykernel_launcher", "-f"]:
        return "not `python -m ipykernel_launcher -f {connection_file}`"
    odd = sorted(k for k in env if k.startswith("PYTHON") and k not in HARMLESS_PYTHON_VARIABLES)
    return f"its environment sets {odd[0]}" if odd else None


def start_zygote() -> int:
    """Fork the zygote; return the server's end of its socket (CLOEXEC, >= 3)."""
    if len(os.listdir("/proc/self/task")) != 1:
        raise RuntimeError("the process has threads; a zygote must be forked from a single-threaded one")
    for fd in (0, 1, 2):  # so neither end of the pair lands where stdio is about to go
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)
    server, ours = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            server.close()
            # Nothing of the server's start (the hub's connection, its log...) may be held
            # open by the zygote: the other ends would wait for an end that never comes.
            keep = ours.fileno()
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.closerange(3, keep)
            os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
            status = _Zygote(ours).run()
        finally:
            os._exit(status)
    ours.close()
    return server.detach()


def zygote_from_environment() -> bool:
    """Take the zygote socket named by CAMPUSHUB_KERNEL_ZYGOTE_FD (once); True if there is one.

    The variable is removed so kernels and terminals do not inherit a number that means
    nothing to them (the fd itself is CLOEXEC). Only a socketpair this very process made
    is accepted, not whatever an inherited number happens to be open as.
    """
    global _zygote
    value = os.environ.pop("CAMPUSHUB_KERNEL_ZYGOTE_FD", "")
    if _zygote is None and value.isdigit():
        try:
            sock = socket.socket(fileno=int(value))
        except OSError:
            return False
        try:
            creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        except OSError:
            creds = bytes(12)
        pid, uid = int.from_bytes(creds[:4], sys.byteorder), int.from_bytes(creds[4:8], sys.byteorder)
        if (sock.family, sock.type, pid, uid) == (socket.AF_UNIX, socket.SOCK_SEQPACKET, os.getpid(), os.getuid()):
            sock.set_inheritable(False)
            _zygote = sock
        else:
            sock.detach()
    return _zygote is not None


def zygote() -> socket.socket | None:
    return _zygote


def forget_zygote() -> None:
    """The zygote is gone: later kernels are exec'd."""
    global _zygote
    if _zygote is not None:
        _zygote.close()
        _zygote = None


class _Zygote:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.kernels: dict[int, socket.socket] = {}  # pid -> the launch's connection

    def run(self) -> int:
        set_title(f"ipykernel zygote {user_name()}")
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.sock, selectors.EVENT_READ, "request")
        self.selector.register(wake_r, selectors.EVENT_READ, "child")
        while True:
            for key, _ in self.selector.select():
                if key.data == "child":
                    while os.read(wake_r, 512) == 512:
                        pass
                    self.reap()
                elif not self.request():
                    return 0

    def request(self) -> bool:
        try:
            data, fds, flags, _ = socket.recv_fds(self.sock, REQUEST_LIMIT, 3)
        except InterruptedError:
            return True
        if not data and not fds:
            return False  # the server is gone
        conn, stdio = (socket.socket(fileno=fds[0]), fds[1:]) if fds else (None, [])
        try:
            if conn is not None and not self.launch(conn, data, flags, stdio):
                conn.close()
        finally:
            for fd in stdio:
                os.close(fd)
        return True

    def launch(self, conn, data, flags, stdio) -> bool:
        """True if a kernel runs and `conn` now reports its exit."""
        try:
            if flags & socket.MSG_TRUNC:
                raise ValueError("request too large")
            req = json.loads(data)
            argv, env, cwd, kernel_id = req["argv"], req["env"], req["cwd"], str(req["kernel_id"])
            if not (isinstance(argv, list) and isinstance(env, dict) and isinstance(cwd, str)):
                raise TypeError("argv must be a list, env an object and cwd a string")
            error = why_not(argv, env)
        except (ValueError, KeyError, TypeError) as e:
            error = f"bad request: {e}"
        if error:
            self.answer(conn, {"error": error})
            return False
        return self.fork(conn, argv, env, cwd, kernel_id, stdio)

    def answer(self, conn: socket.socket, message: dict, fds: tuple = ()) -> None:
        try:
            socket.send_fds(conn, [json.dumps(message).encode()], list(fds)) if fds else conn.send(
                json.dumps(message).encode())
        except OSError:
            pass  # the provisioner went away; the kernel's fate is the server's business

    def fork(self, conn, argv, env, cwd, kernel_id, stdio) -> bool:
        ready_r, ready_w = os.pipe2(os.O_CLOEXEC)
        pid = os.fork()
        if pid == 0:
            os.close(ready_r)
            run_kernel(argv, env, cwd, kernel_id, stdio, ready_w)  # never returns
        os.close(ready_w)
        with os.fdopen(ready_r, "rb") as ready:
            failure = ready.read().decode(errors="replace")
        if failure:
            self.answer(conn, {"error": failure})
            return False  # reap() collects the child
        try:
            pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            pidfd = None
        self.kernels[pid] = conn
        self.answer(conn, {"pid": pid}, () if pidfd is None else (pidfd,))
        if pidfd is not None:
            os.close(pidfd)
        return True

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.kernels.pop(pid, None)
            if conn is not None:
                self.answer(conn, {"exit": os.waitstatus_to_exitcode(status)})
                conn.close()
