"""The kernel's side of a fork from the zygote (kernel_fork.py): become what exec would have made.

Laid with kernel_fork.py (stdlib only). Runs in the freshly forked child and
never returns into the zygote's loop: every path ends in os._exit.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import signal
import sys


def run_kernel(argv, env, cwd, kernel_id, stdio, ready_w) -> None:
    """In the kernel child: what exec would have given it, then ipykernel's launcher."""
    status = 1
    try:
        try:
            os.setsid()
            os.chdir(cwd)
        except OSError as e:
            os.write(ready_w, f"cannot start the kernel in {cwd}: {e.strerror}".encode())
            return
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        for target, fd in zip((1, 2), [*stdio, null, null][:2], strict=True):
            os.dup2(fd, target)
        os.close(ready_w)  # ready: the provisioner may signal our group now
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # as exec with close_fds would
        status = _become(argv, env, cwd, kernel_id)
    except BaseException:  # noqa: BLE001 -- a kernel child must never return into the zygote
        import traceback
        traceback.print_exc()
    finally:
        os._exit(status)


def _become(argv, env, cwd, kernel_id) -> int:
    import gc
    import locale
    import random
    import runpy
    import tempfile
    import time
    os.environ.clear()
    os.environ.update(env)
    # ipykernel's parent poller then ends the kernel when the zygote (so the server) is gone.
    os.environ["JPY_PARENT_PID"] = str(os.getppid())
    try:  # what a fresh interpreter does: only LC_CTYPE from the environment, the rest "C"
        locale.setlocale(locale.LC_ALL, "C")
        locale.setlocale(locale.LC_CTYPE, "")
    except locale.Error:
        pass
    time.tzset()
    gc.enable()  # the fork server's parent disabled it (its pages stay shared); a kernel needs it
    random.seed()
    tempfile.tempdir = None
    sys.dont_write_bytecode = sys.dont_write_bytecode or bool(env.get("PYTHONDONTWRITEBYTECODE"))
    # As exec'd: PYTHONPATH first, and the working directory as '' before site-packages, where
    # IPython's init_path puts it (it does not when the fork server's python runs isolated).
    sys.path[:0] = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if "" not in sys.path:
        site = next((i for i, p in enumerate(sys.path)
                     if os.path.basename(p) in ("site-packages", "dist-packages")), 0)
        sys.path.insert(site, "")
    _user_site_as_exec(env)
    # ipykernel reads JPY_PARENT_PID when its module is imported, which the fork server did;
    # the launcher's launch_new_instance() takes this very instance.
    from ipykernel.kernelapp import IPKernelApp
    IPKernelApp.instance(parent_handle=os.getppid())
    set_title(f"ipykernel {kernel_id} {user_name()}")
    sys.argv = ["ipykernel_launcher", *argv[argv.index("ipykernel_launcher") + 1:]]
    status = 0
    try:
        runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, int) and e.code is not None:
            print(e.code, file=sys.stderr)
    # what the interpreter does on its way out: non-daemon threads, atexit, flush
    import atexit
    import threading
    getattr(threading, "_shutdown", lambda: None)()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001, S110 -- a closed stream has nothing left to flush
            pass
    return status


def _user_site_as_exec(env: dict) -> None:
    """The user's site-packages (~/.local) on sys.path exactly when a fresh interpreter of
    this environment would put it there: a venv without system site-packages never does."""
    import site
    site.USER_BASE = site.USER_SITE = None  # they follow this HOME, not the zygote's
    site.ENABLE_USER_SITE = not env.get("PYTHONNOUSERSITE") and _venv_allows_user_site()
    user_site = site.getusersitepackages()
    if not site.ENABLE_USER_SITE:
        sys.path[:] = [p for p in sys.path if p != user_site]
    elif os.path.isdir(user_site) and user_site not in sys.path:
        at = next((i for i, p in enumerate(sys.path) if p.endswith("site-packages")), len(sys.path))
        before = len(sys.path)
        site.addsitedir(user_site)
        added = sys.path[before:]
        del sys.path[before:]
        sys.path[at:at] = added


def _venv_allows_user_site() -> bool:
    try:
        with open(os.path.join(sys.prefix, "pyvenv.cfg")) as f:
            for line in f:
                key, _, value = line.partition("=")
                if key.strip().lower() == "include-system-site-packages":
                    return value.strip().lower() == "true"
    except OSError:
        pass
    return True


def user_name() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


def set_title(title: str) -> None:
    """`ps` shows `title` (the start-up argv's space is overwritten, as setproctitle does); comm gets its start."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(15, title.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        start, end = int(fields[45]), int(fields[46])  # arg_start, arg_end (fields 48, 49)
    except (OSError, IndexError, ValueError):
        return
    room = end - start
    if room > 1:
        data = title.encode()[:room - 1]
        ctypes.memmove(start, data + b"\0" * (room - len(data)), room)
