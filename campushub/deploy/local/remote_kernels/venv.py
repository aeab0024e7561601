"""Enterprise Gateway's own environment, built by `campushub up` from
gateway.lock with the machinery of the user environments (userenv.py): one
read-only venv per (lock, interpreter), beside the user environments in the
install prefix. EG 3.2.3 pins jupyter_server<2, jupyter_client<7 and
pyzmq<25, which neither the platform's venv nor the users' can hold."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..userenv import Progress, ensure_user_env, env_dir_for, is_complete

LOCK = Path(str(resources.files(__package__).joinpath("gateway.lock")))


def root(config: dict) -> Path:
    return Path(config["install_prefix"]) / "gateway"


def ensure_gateway_env(config: dict, progress: Progress | None = None) -> Path:
    """The built gateway venv (built now when missing; InstallError on failure)."""
    return ensure_user_env(config["user_env"]["python"], root(config), LOCK, progress=progress)


def built(config: dict) -> Path | None:
    """The gateway venv if it is built, without building it."""
    env = env_dir_for(config["user_env"]["python"], root(config), LOCK)
    return env if is_complete(env) else None
