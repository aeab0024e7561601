"""One forked child: read the request, become the user, run the server.

Everything per-user happens here and never in the parent, in the issue's
order: read the request; join the cgroup; new session; private mounts (they
need root); no_new_privs; drop privileges and verify; reset environment,
random state, temp paths, umask and directory; set the title; run the
server. The child always ends in os._exit: it never returns into the
parent's accept loop.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import sys
import traceback

from . import environment, mounts, privileges, title
from .protocol import ProtocolError, one_line, read_request, send_line
from .request import check_spawn

_SIGNALS_PYTHON_SETS = {signal.SIGINT: signal.default_int_handler,
                        signal.SIGPIPE: signal.SIG_IGN, signal.SIGXFSZ: signal.SIG_IGN}


class StepFailed(Exception):
    pass


def run(conn: socket.socket, forget_parent) -> None:
    """Never returns. `forget_parent` closes the parent's own sockets and pipes."""
    status = 1
    try:
        status = _serve(conn, forget_parent)
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(status & 0xFF)


def _detach(conn: socket.socket, forget_parent) -> None:
    signal.set_wakeup_fd(-1)
    for signum in signal.valid_signals():
        if signum in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            signal.signal(signum, _SIGNALS_PYTHON_SETS.get(signum, signal.SIG_DFL))
        except (OSError, ValueError):
            pass  # signals glibc keeps for itself
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    forget_parent()
    keep = conn.fileno()
    # Whatever else the parent had open (its log on 0-2 included) is not the user's.
    for name in os.listdir("/proc/self/fd"):
        if int(name) != keep:
            try:
                os.close(int(name))
            except OSError:
                pass
    for fd in (0, 1, 2):  # hold the low numbers, so a received fd never lands on them
        if os.open(os.devnull, os.O_RDWR) != fd:
            raise RuntimeError("fds 0-2 were not free")


def _start_time() -> int | None:
    try:
        with open("/proc/self/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[19])  # field 22, as deploy/local/pids.py
    except (OSError, ValueError, IndexError):
        return None


def _step(what: str, action, *args) -> None:
    try:
        action(*args)
    except Exception as e:
        raise StepFailed(f"{what}: {e}") from None


def _serve(conn: socket.socket, forget_parent) -> int:
    _detach(conn, forget_parent)
    _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    if uid != 0:
        send_line(conn, {"error": "only root may use the fork server"})
        return 1
    conn.settimeout(30)  # a silent client costs one child for a while, never the parent
    fds: list[int] = []
    try:
        request = read_request(conn, fds)
        # the start time tells this process from a later one with the same pid:
        # read here, while root, before the user can end it and have the pid reused
        send_line(conn, {"pid": os.getpid(), "start_time": _start_time()})
        if request.get("op") == "ping":
            send_line(conn, {"ok": True})
            return 0
        if request.get("op") != "spawn":
            raise ProtocolError("op must be \"spawn\" or \"ping\"")
        request = check_spawn(request)
        if len(fds) != 1:
            raise ProtocolError(f"a spawn needs exactly one log fd, got {len(fds)}")
    except ProtocolError as e:
        send_line(conn, {"error": one_line(e)})
        return 2
    os.dup2(fds[0], 1)
    os.dup2(fds[0], 2)
    for fd in fds:
        os.close(fd)
    try:
        _become_user(request)
    except StepFailed as e:
        send_line(conn, {"error": one_line(e)})
        return 1
    send_line(conn, {"ok": True})
    conn.close()
    return _run_server(request["argv"])


def _join(procs_files: list[str]) -> None:
    for path in procs_files:
        with open(path, "w") as f:
            f.write("0")


def _become_user(r: dict) -> None:
    _step("joining the cgroup", _join, r["procs_files"])
    _step("starting a new session", os.setsid)
    if r["tmp_options"] is not None:
        _step("making the private /tmp", mounts.enter, r["tmp_options"].encode())
    environment.publish_environ(r["env"])  # best effort, and only root may
    _step("setting no_new_privs", privileges.no_new_privs)
    _step("dropping privileges", privileges.drop, r["uid"], r["gid"], r["groups"])
    _step("resetting the environment", environment.reset, r["env"], r["umask"])
    directory = r["cwd"] or r["home"] or "/"
    _step(f"changing to {directory}", os.chdir, directory)
    _step("setting the process title", title.set_title, r["title"])
    # setuid cleared it; as after an exec the user may debug their own server
    _step("making the process dumpable", environment.set_dumpable)
    if r["kernel_zygote"]:
        environment.start_kernel_zygote()


def _run_server(argv: list[str]) -> int:
    import atexit
    import gc

    sys.argv = list(argv)
    gc.enable()  # the parent disabled it so the shared pages stay shared
    main = environment.server_main()
    try:
        status = main()
        status = status if isinstance(status, int) else 0
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
        status = 1
    atexit._run_exitfuncs()  # what an exec'd interpreter does at exit
    return status
