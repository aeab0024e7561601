"""Start, find and stop the proxy and hub processes of a data dir.

Each runs in its own session, so a Ctrl-C meant for `campushub up` reaches
them only through `up`'s orderly shutdown; pid files in the data dir (with
each process's start time, see pids.py) let `down` and `status` find them
from another terminal, and after `up` itself died.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import requests

from . import adopt, pids
from .layout import Layout

HUB_CONFIG = str(resources.files("campushub.deploy.local").joinpath("jupyterhub_config.py"))


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Makes configurable-http-proxy log plain text, without expected resets.
CHP_PRELOAD = str(resources.files("campushub.deploy.local").joinpath("chp_quiet.cjs"))


def read_pid(layout: Layout, name: str) -> int | None:
    return pids.read(layout.pid_file(name))


def alive(pid: int) -> bool:
    return pids.start_time(pid) is not None


def _spawn(layout: Layout, name: str, cmd: list[str], env: dict) -> subprocess.Popen:
    # Callers that handle stop signals hold them off until the pid file is
    # written (cli/supervise.py); blocking them here instead would be
    # inherited by the child, and a Python child would never see SIGTERM.
    log = open(layout.log_file(name), "ab")
    try:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, cwd=layout.data_dir, start_new_session=True,
        )
    finally:
        log.close()
    pids.write(layout.pid_file(name), proc.pid)
    return proc


# for the services `up` runs beside the hub and the proxy (hub_services_local.py)
spawn = _spawn


def proxy_argv(chp) -> list[str]:
    """ensure_proxy's answer as an argv prefix: a script path, or [node, script]."""
    return [str(chp)] if isinstance(chp, (str, Path)) else [str(part) for part in chp]


def start_proxy(layout: Layout, chp, hub: dict) -> subprocess.Popen | None:
    """Start configurable-http-proxy unless this data dir's proxy already runs (then None)."""
    if read_pid(layout, "proxy"):
        return None
    cmd, env = _proxy_command(layout, chp, hub)
    proc = _spawn(layout, "proxy", cmd, env)
    adopt.record(layout, "proxy", adopt.fingerprint(cmd=cmd, env=env))
    return proc


def proxy_changed(layout: Layout, chp, hub: dict) -> bool:
    """Whether the running proxy was started with other settings (or another CampusHub) than these."""
    cmd, env = _proxy_command(layout, chp, hub)
    now, before = adopt.fingerprint(cmd=cmd, env=env), adopt.recorded(layout, "proxy")
    if before is None:  # started by a CampusHub that kept no record: keeping it is the safe guess
        adopt.record(layout, "proxy", now)
    return before not in (None, now)


def _proxy_command(layout: Layout, chp, hub: dict) -> tuple[list[str], dict]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "CONFIGPROXY_AUTH_TOKEN": layout.secret(layout.proxy_token),
           "NODE_OPTIONS": f'--require "{CHP_PRELOAD}"',
           "CAMPUSHUB_DATA_DIR": str(layout.data_dir)}  # tells an operator whose proxy this is
    target = f"http://127.0.0.1:{hub['hub_port']}"
    cmd = [
        *proxy_argv(chp), "--ip", hub["ip"], "--port", str(hub["port"]),
        "--api-ip", "127.0.0.1", "--api-port", str(hub["proxy_api_port"]),
        "--default-target", target,
        "--error-target", f"{target}{hub['base_url']}hub/error",
        "--log-level", "warn",
    ]
    if hub.get("subdomain_host"):  # routes are <host>/<path>: each person's servers on their own subdomain
        cmd.append("--host-routing")
    if hub["https"]["cert"]:
        cmd += ["--ssl-cert", hub["https"]["cert"], "--ssl-key", hub["https"]["key"]]
    return cmd, env


def busy_ports(hub: dict, include_proxy: bool, ours: dict | None = None, proxy_pid: int | None = None) -> list[str]:
    """Ports we are about to listen on that something else holds.

    configurable-http-proxy keeps running (API up, public port dead) when its
    public port is taken, so this has to be checked before starting it.
    ours: the `hub` section our running processes were started with (a
    restart adopts them): a port they hold already is not in the way.
    proxy_pid: our running proxy. When only hub.ip changed, that proxy is
    replaced (its settings changed) and its own socket is what makes the new
    address look taken (0.0.0.0 and 127.0.0.1 with the same port exclude each
    other): the port is busy only if another process holds it in the way.
    """
    wanted = [("hub.hub_port", "127.0.0.1", hub["hub_port"])]
    if include_proxy:
        wanted += [("hub.port", hub["ip"], hub["port"]), ("hub.proxy_api_port", "127.0.0.1", hub["proxy_api_port"])]
    before = ours or {}
    busy = []
    for key, ip, port in wanted:
        name = key.split(".")[1]
        if before.get(name) == port and (name != "port" or before.get("ip") == ip):
            continue
        with socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((ip, port))
            except OSError as e:
                if not (name == "port" and before.get("port") == port and e.errno == errno.EADDRINUSE
                        and proxy_pid and not _held_by_others(ip, port, proxy_pid)):
                    busy.append(f"{key} {ip}:{port} ({e.strerror})")
    return busy


_ANY = ("0.0.0.0", "::", "")


def _held_by_others(ip: str, port: int, pid: int) -> bool:
    """Whether a process other than `pid` listens on `port` where it keeps `ip` from having it."""
    import psutil  # here: only a restart that moves the proxy to another address asks

    try:
        listening = psutil.net_connections("inet")
    except psutil.Error:
        return True  # cannot tell: refusing is the safe answer
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid != pid
               and (c.laddr.ip == ip or c.laddr.ip in _ANY or ip in _ANY) for c in listening)


def wait_proxy(layout: Layout, hub: dict, proc: subprocess.Popen | None, timeout: float = 30) -> None:
    headers = {"Authorization": f"token {layout.secret(layout.proxy_token)}"}
    url = f"http://127.0.0.1:{hub['proxy_api_port']}/api/routes"
    wait_http(url, timeout=timeout, headers=headers, proc=proc, what="configurable-http-proxy")


def tail(path: Path, lines: int = 12) -> str:
    """The end of a log, for error messages that should not send people digging."""
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\n".join("    " + line for line in text)


def with_own_bin(path: str) -> str:
    """PATH with this Python's bin folder first: JupyterHub upgrades its database with the `alembic`
    command (jupyterhub.dbutil.upgrade), which a systemd unit's PATH does not have otherwise."""
    own = str(Path(sys.executable).parent)  # the venv's bin, not resolved: a venv's python is a link
    return os.pathsep.join([own, *(p for p in path.split(os.pathsep) if p and p != own)])


def start_hub(layout: Layout, env_dir: Path | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")}
    env["CAMPUSHUB_DATA_DIR"] = str(layout.data_dir)
    env["PATH"] = with_own_bin(env.get("PATH", ""))
    if env_dir:
        env["CAMPUSHUB_ENV_DIR"] = str(env_dir)
    cmd = [sys.executable, "-m", "campushub.deploy.local.jupyterhub_main", "-f", HUB_CONFIG]
    return _spawn(layout, "hub", cmd, env)


def wait_http(url: str, *, timeout: float, headers: dict | None = None, proc=None, what: str = "",
              check=None) -> None:
    """Poll until `url` answers 200, the process died, or the deadline passed.
    check: instead of 200, the answer (redirects not followed) -> None when
    ready, else why not yet (hub_services_local.py)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            r = requests.get(url, headers=headers, timeout=2, allow_redirects=check is None)
            last = (None if r.status_code == 200 else f"HTTP {r.status_code}") if check is None else check(r)
            if last is None:
                return
        except requests.RequestException as e:
            last = type(e).__name__
        time.sleep(0.05)  # `up` waits on this for the proxy and the hub: a restart's time (issue 14)
    raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f}s ({last})")


def stop(layout: Layout, name: str, timeout: float = 20) -> bool:
    """SIGTERM, then SIGKILL after `timeout`; True if something was stopped."""
    path = layout.pid_file(name)
    pid = pids.read(path)
    if pid is None or not pids.signal_recorded(path, signal.SIGTERM):
        path.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout
    while _running(path, pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.1)
    pids.signal_recorded(path, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _running(path, pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)
    _reap(pid)
    path.unlink(missing_ok=True)
    return True


def _running(path: Path, pid: int) -> bool:
    """Still there, or its threads still hold its ports."""
    return pids.read(path) is not None or pids.threads_left(pid)


def recorded(layout: Layout, exclude: tuple[str, ...] = ("up",)) -> list[str]:
    """Names of the processes with a pid file in run/, newest first."""
    found = []
    for path in (layout.data_dir / "run").glob("*.pid"):
        if path.stem in exclude:
            continue
        try:
            started = int(path.read_text().split()[1])
        except (OSError, ValueError, IndexError):
            started = 0
        found.append((started, path.stem))
    return [name for _, name in sorted(found, reverse=True)]


def stop_all(layout: Layout, timeout: float = 20) -> list[str]:
    """Stop everything `up` started for this data dir (hub, proxy, later services), newest first."""
    return [name for name in recorded(layout) if stop(layout, name, timeout)]


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
