"""Enterprise Gateway as `campushub up` runs it: a process of its own (pid
file run/gateway.pid, log logs/gateway.log, started again when it dies,
stopped by `down`), on 127.0.0.1:remote_kernels.gateway_port behind a token
(data dir, 0600) that only the remote-kernels front is given.

EG is configured by a traitlets JSON file in its folder (data_dir/gateway,
0700, also its runtime folder with the root-only connection files and the
persisted kernel sessions) and environment variables; HOME and
JUPYTER_CONFIG_DIR point there, so no configuration or kernelspec of root's
is read. Its token comes through EG_AUTH_TOKEN, never the command line.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from ....config import remote_kernels
from .. import adopt, processes
from ..layout import Layout
from . import kernel_cgroup, kernelspecs, sockets

NAME = "gateway"
LABEL = "Enterprise Gateway"
APP = Path(__file__).with_name("eg_app.py")
# jupyter_client's KernelRestarter (EG 3.2.3 has no option of its own) gives up when its count of deaths
# in a row reaches this: 2 = a kernel that dies (an OOM kill) is relaunched once, one that dies again at once
# is left dead. Its default, 5, made one start of a kernel that exits at startup 5 launches (a root launcher,
# a cgroup, a MiB of log each) that the front's launch pace never sees.
RESTART_LIMIT = 2
SESSIONS = "enterprise_gateway.services.sessions.kernelsessionmanager.FileKernelSessionManager"


def gateway_token(layout: Layout) -> str:
    """EG's auth_token (made on first use); the front sends it as `Authorization: token ...`."""
    return layout.secret(layout.service_token(NAME))


def gateway_url(config: dict) -> str:
    return f"http://127.0.0.1:{config['remote_kernels']['gateway_port']}"


def folder(layout: Layout) -> Path:
    return layout.service_dir(NAME)


def sessions(layout: Layout) -> Path:
    """EG's persisted kernel sessions (one <kernel id>.json each): this site's kernels, also while EG is down."""
    return folder(layout) / "sessions" / "kernel_sessions"


def kernel_ids(layout: Layout) -> list[str]:
    return sorted(p.stem for p in sessions(layout).glob("*.json") if kernel_cgroup.KERNEL_ID.match(p.stem))


def cull_interval(idle: int) -> int:
    """How often EG looks for idle kernels: a kernel goes at most a quarter of its idle time (and a minute) late."""
    return max(1, min(60, idle // 4))


def settings(config: dict, layout: Layout, names: list[str], idle: int | None = None) -> dict:
    """EG's traitlets configuration. idle: seconds before an idle kernel is culled (tests use a few)."""
    idle = remote_kernels.idle_seconds(config) if idle is None else idle
    return {
        "EnterpriseGatewayApp": {
            "ip": "127.0.0.1", "port": config["remote_kernels"]["gateway_port"], "port_retries": 0,
            "list_kernels": True,  # the front lists kernels to tell culled ones; only it holds the token
            "default_kernel_name": names[0] if names else "",
            "kernel_session_manager_class": SESSIONS, "availability_mode": "standalone",
        },
        "KernelSpecManager": {"whitelist": names, "ensure_native_kernel": False},
        # busy kernels (a cell running) are never culled (cull_busy stays False): long runs are the point
        "MappingKernelManager": {"cull_idle_timeout": idle, "cull_interval": cull_interval(idle),
                                 "cull_connected": True},
        "KernelSessionManager": {"enable_persistence": True, "persistence_root": str(folder(layout) / "sessions")},
        "KernelRestarter": {"restart_limit": RESTART_LIMIT},
        # counts a kernel that dies within a minute of its relaunch as dying again in a row (eg_app.py)
        "RemoteKernelManager": {"restarter_class": "campushub_gateway.SteadyRestarter"},
    }


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def prepare(config: dict, layout: Layout, env_dir: Path, idle: int | None = None) -> tuple[list[str], dict]:
    """Write the kernelspecs and EG's configuration; the command and environment that run EG."""
    home = folder(layout)
    for sub in (home, home / "runtime", home / "sessions", home / "config"):
        sub.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(sub, 0o700)  # connection files (the kernels' keys) and sessions live here
    names = kernelspecs.write(config, layout.config_copy, home / "share")
    config_file = home / "config" / "campushub_gateway_config.json"
    _write(config_file, json.dumps(settings(config, layout, names, idle), indent=1))
    env = {
        "PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "LANG": os.environ.get("LANG", "C.UTF-8"),
        "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_PATH": str(home / "share"),
        "EG_AUTH_TOKEN": gateway_token(layout), sockets.ENV: str(sockets.ROOT),
    }
    argv = [str(env_dir / "bin" / "python"), "-I", str(APP), f"--config={config_file}"]
    return argv, env


def start(config: dict, layout: Layout, env_dir: Path, idle: int | None = None) -> subprocess.Popen | None:
    """Start EG unless this data dir's runs already (then None); its fingerprint is recorded for reloads."""
    if processes.read_pid(layout, NAME):
        return None
    argv, env = prepare(config, layout, env_dir, idle)
    proc = processes.spawn(layout, NAME, argv, env)
    adopt.record(layout, NAME, fingerprint(argv, env, layout))
    return proc


def fingerprint(argv: list[str], env: dict, layout: Layout) -> str:
    """What EG was started with: command, environment, its configuration and kernelspecs as written."""
    home = folder(layout)
    files = sorted([*home.glob("config/*.json"), *home.glob("share/kernels/*/kernel.json")])
    return adopt.fingerprint(argv=argv, env=env, files={str(p): p.read_text() for p in files})


def wait(config: dict, layout: Layout, proc, timeout: float = 90) -> None:
    """Until EG answers its token-protected API (RuntimeError naming the log otherwise)."""
    processes.wait_http(f"{gateway_url(config)}/api/kernelspecs", timeout=timeout, proc=proc, what=LABEL,
                        headers={"Authorization": f"token {gateway_token(layout)}"})
