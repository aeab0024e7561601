"""Making a forked child look like a freshly started server.

A fork inherits the parent's interpreter state: its environment (the fork
server's minimal one), its random generator state, cached temp paths and
import-time decisions. The child resets what is per-process or per-user;
what stays shared on purpose (the hash seed, import-time defaults read from
the fork server's environment) is listed in docs/security.md.
"""

from __future__ import annotations

import ctypes
import importlib
import locale
import os
import random
import site
import sys
import tempfile

PR_SET_DUMPABLE = 4
PR_SET_MM, PR_SET_MM_ENV_START, PR_SET_MM_ENV_END = 35, 10, 11
_prctl = ctypes.CDLL(None, use_errno=True).prctl
_prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_environ_block = None  # must live as long as the process: the kernel reads it


def publish_environ(env: dict[str, str]) -> bool:
    """Point /proc/self/environ at the server's environment, as an exec would.

    Needs CAP_SYS_RESOURCE, so it runs before dropping privileges; without it
    /proc/PID/environ keeps showing the fork server's own (PATH and LANG).
    Either way the server's os.environ, and so every program it starts, has
    exactly `env`."""
    global _environ_block
    data = b"".join(f"{k}={v}".encode(errors="surrogateescape") + b"\0" for k, v in env.items()) or b"\0"
    block = ctypes.create_string_buffer(data, len(data))
    start = ctypes.addressof(block)
    end = start + len(data)
    # the kernel wants start <= end after each call: move the side that keeps that true first
    for first, second in (((PR_SET_MM_ENV_START, start), (PR_SET_MM_ENV_END, end)),
                          ((PR_SET_MM_ENV_END, end), (PR_SET_MM_ENV_START, start))):
        if _prctl(PR_SET_MM, *first, 0, 0) == 0:
            if _prctl(PR_SET_MM, *second, 0, 0) == 0:
                _environ_block = block
                return True
    return False


def reset(env: dict[str, str], umask: int) -> None:
    os.environ.clear()
    os.environ.update(env)
    try:
        locale.setlocale(locale.LC_ALL, "")
    except locale.Error:
        pass  # an exec'd Python also runs on with the C locale then
    random.seed()  # the parent's state would repeat in every child
    tempfile.tempdir = None  # recomputed from this user's TMPDIR
    tempfile._name_sequence = None
    os.umask(umask)
    _user_site()
    _home_defaults()


def _home_defaults() -> None:
    # JupyterLab reads its settings and workspaces directories from HOME (and
    # JUPYTERLAB_SETTINGS_DIR, JUPYTERLAB_WORKSPACES_DIR) as class defaults at
    # import: imported in the fork server they named root's home, so a
    # learner's settings could not be saved. Read them again as this user.
    labapp = sys.modules.get("jupyterlab.labapp")
    if labapp is None:
        return
    traits = labapp.LabApp.class_traits()
    # traitlets also copies a static default into each class at class creation
    initial = labapp.LabApp.__dict__.get("_static_immutable_initial_values", {})
    for name, read in (("user_settings_dir", labapp.get_user_settings_dir),
                       ("workspaces_dir", labapp.get_workspaces_dir)):
        if name in traits:
            traits[name].default_value = read()
            if name in initial:
                initial[name] = traits[name].default_value


def _user_site() -> None:
    # The fork server runs with -I; an exec'd server sees the user's own
    # ~/.local site-packages (pip install --user) ahead of the environment's,
    # but only where site.py would add it: never in a venv without system
    # site-packages (every CampusHub environment), nor with PYTHONNOUSERSITE.
    # Adding it anyway ran the learner's .pth files in the server before it
    # said ok, and let ~/.local shadow jupyterhub and jupyter_server there,
    # also for groups whose server nothing in the home may change.
    site.ENABLE_USER_SITE = not os.environ.get("PYTHONNOUSERSITE") and _venv_allows_user_site()
    site.USER_BASE = site.USER_SITE = None
    if not site.ENABLE_USER_SITE:
        return
    user_site = site.getusersitepackages()
    if not os.path.isdir(user_site) or user_site in sys.path:
        return
    before = len(sys.path)
    site.addsitedir(user_site)
    added = sys.path[before:]
    del sys.path[before:]
    at = next((i for i, p in enumerate(sys.path) if p.endswith("site-packages")), len(sys.path))
    sys.path[at:at] = added


def _venv_allows_user_site() -> bool:
    if sys.prefix == sys.base_prefix:
        return True  # not a venv
    try:
        with open(os.path.join(sys.prefix, "pyvenv.cfg")) as f:
            for line in f:
                key, _, value = line.partition("=")
                if key.strip().lower() == "include-system-site-packages":
                    return value.strip().lower() == "true"
    except OSError:
        pass
    return True  # site.py's default when pyvenv.cfg does not say


def set_dumpable() -> None:
    if _prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def start_kernel_zygote() -> None:
    try:
        import campushub_kernel_fork

        fd = campushub_kernel_fork.start_zygote()
    except Exception as e:
        print(f"CampusHub: no pre-started kernel process ({type(e).__name__}: {e}); kernels start as usual",
              file=sys.stderr, flush=True)
        return
    os.environ["CAMPUSHUB_KERNEL_ZYGOTE_FD"] = str(fd)


def server_main():
    """jupyterhub.singleuser's main, with its app choice made from THIS
    server's environment (its package reads JUPYTERHUB_SINGLEUSER_* at import)."""
    sys.modules.pop("jupyterhub.singleuser", None)
    return importlib.import_module("jupyterhub.singleuser").main
