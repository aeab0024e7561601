"""The environment a local server starts with: the user's identity, the
shared venv only (nothing of the hub's), its GPUs, the Launcher's courses,
and where its kernels' sockets live. What every server gets in both
deployments is added by the policy mixin (hub/server_env.py)."""

from __future__ import annotations

import os
import pwd

from ....hub.courses import launcher_env
from . import course_sync

# In the server's private /tmp (private_tmp.py): only its own processes can
# even see the kernels' unix sockets, and the path stays far below AF_UNIX's
# 108 bytes (kernel-<uuid>-ipc-<n> adds about 50).
PRIVATE_RUNTIME_DIR = "/tmp/jupyter-runtime"
# Without a private /tmp: in the 0700 home, short enough for 32-character
# account names under /home.
HOME_RUNTIME_DIR = ".jupyter-run"


def server_env(spawner, env: dict) -> dict:
    entry = pwd.getpwnam(spawner.unix_name)
    env.update(USER=entry.pw_name, HOME=entry.pw_dir, SHELL=entry.pw_shell or "/bin/bash")
    path = ["/usr/local/bin", "/usr/bin", "/bin"]
    if spawner.env_dir:
        path.insert(0, os.path.join(spawner.env_dir, "bin"))
        env["VIRTUAL_ENV"] = spawner.env_dir
    env["PATH"] = ":".join(path)
    # Only the GPUs handed to this server; none ("") hides the others.
    env["CUDA_VISIBLE_DEVICES"] = ",".join(spawner.gpu_ids)
    env.update(launcher_env(spawner.language(), course_sync.courses(spawner)))
    private = getattr(spawner, "_tmp_options", None) is not None
    env["JUPYTER_RUNTIME_DIR"] = PRIVATE_RUNTIME_DIR if private else os.path.join(entry.pw_dir, HOME_RUNTIME_DIR)
    # Every account of this machine shares the network: kernels keep off TCP
    # (campushub/singleuser/kernel_sockets.py)
    env["CAMPUSHUB_SHARED_NETWORK"] = "1"
    return env
