"""The hub's internal ports: as configured, else as recorded, else free ones.

hub.hub_port and hub.proxy_api_port default to null so that several sites
run side by side on one machine. A port chosen once stays the site's port:
running user servers call the hub at the address they were started with,
and they outlive `campushub down`/`up`. The record is the effective config
`up` saves in the data dir (which also lets `status` and `down` find them).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import random
import secrets
import socket
import stat
import time
from pathlib import Path

from .layout import Layout

INTERNAL = ("hub_port", "proxy_api_port")
log = logging.getLogger(__name__)


def resolve(hub: dict, layout: Layout) -> dict:
    """A copy of the `hub` section with every internal port a number."""
    out = dict(hub)
    recorded = _recorded(layout)
    taken = {out["port"]}
    for key in INTERNAL:
        if out.get(key) is None:
            out[key] = recorded.get(key) or _free_port(taken, _owner(layout))
        taken.add(out[key])
    return out


def resolve_service(name: str, section: dict, hub: dict, layout: Layout, others: tuple[int, ...] = ()) -> dict:
    """A copy of hub service `name`'s section with its port a number (as
    configured, else as recorded, else a free one), like the hub's own.
    others: the ports of the site's other services, not to be taken twice."""
    out = dict(section)
    if out.get("port") is None:
        try:
            recorded = json.loads(layout.config_copy.read_text())[name]["port"]
        except (OSError, ValueError, KeyError, TypeError):
            recorded = None
        taken = {hub["port"], *(hub[k] for k in INTERNAL), *others}
        out["port"] = recorded if isinstance(recorded, int) and recorded not in taken \
            else _free_port(taken, _owner(layout))
    return out


def _recorded(layout: Layout) -> dict:
    try:
        hub = json.loads(layout.config_copy.read_text())["hub"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {k: hub.get(k) for k in INTERNAL if isinstance(hub.get(k), int)}


# Chosen below the unprivileged port start (1024): learners' processes cannot
# bind them. On a port above it, a learner's server (they outlive `down`)
# could take the hub's API port while the hub was down and collect the API
# token every running server sends it, or take the proxy's API port while
# the proxy restarted and collect the hub's proxy token.
PRIVILEGED = range(600, 1000)


def free_port(taken: set[int], layout: Layout | None = None) -> int:
    """A free port below the unprivileged start, not in `taken` (one of the site's own processes
    that does not fit resolve_service: Enterprise Gateway, remote_kernels.gateway_port)."""
    return _free_port(taken, _owner(layout) if layout is not None else None)


def unprivileged_start() -> int:
    """The lowest port any account may listen on (net.ipv4.ip_unprivileged_port_start)."""
    return _unprivileged_start()


# A port chosen is free when chosen, but its process binds it seconds later: two sites starting at
# once (or a site's services, chosen one after another) could both find it free. A choice is
# claimed for that window in a machine-wide folder, under a lock, and skipped by other sites.
CLAIMS = Path("/run/campushub/ports")
CLAIM_SECONDS = 300


def _owner(layout: Layout) -> str:
    return os.path.realpath(layout.data_dir)


def _free_port(taken: set[int], owner: str | None = None) -> int:
    limit = _unprivileged_start()
    ports = [p for p in PRIVILEGED if p < limit and p not in taken]
    random.shuffle(ports)  # fewer tries where other sites hold ports
    with _claims() as claims:
        for port in ports:
            if claims is not None and _claimed_by_other(claims, port, owner):
                continue
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            if claims is not None and owner is not None:
                _claim(claims, port, owner)
            return port
    while True:  # not root (tests of the CLI alone), or none free: any port
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port


@contextlib.contextmanager
def _claims():
    """The claims folder as an fd, locked; None where it cannot be made (not root: the CLI's own tests)
    or is not root's alone (anyone who can write there could swap a claim for a link root writes through)."""
    try:
        CLAIMS.mkdir(mode=0o755, parents=True, exist_ok=True)
        # whatever umask made it (sites.py does the same for its folder)
        os.chown(CLAIMS.parent, 0, 0)
        os.chmod(CLAIMS.parent, 0o755)
        fd = os.open(CLAIMS, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        yield None
        return
    try:
        info = os.fstat(fd)
        if info.st_uid != 0 or info.st_mode & 0o022:
            log.warning("Port claims skipped: %s is not root's alone (owner uid %s, mode %o); make it root:root 0755",
                        CLAIMS, info.st_uid, stat.S_IMODE(info.st_mode))
            yield None
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)


def _claimed_by_other(claims: int, port: int, owner: str | None) -> bool:
    try:
        fd = os.open(str(port), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=claims)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or time.time() - info.st_mtime >= CLAIM_SECONDS:
            return False
        return os.read(fd, 4097).decode("utf-8", "replace") != owner
    finally:
        os.close(fd)


def _claim(claims: int, port: int, owner: str) -> None:
    # a name of this writer's own (O_EXCL, as mkstemp), then renamed over the claim whole
    tmp = f".{port}.{os.getpid()}.{secrets.token_hex(4)}"
    with contextlib.suppress(OSError):  # a claim not written costs only the protection it gives
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=claims)
        try:
            os.write(fd, owner.encode())
        finally:
            os.close(fd)
        os.replace(tmp, str(port), src_dir_fd=claims, dst_dir_fd=claims)


def _unprivileged_start() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 1024


def public_port_warning(hub: dict) -> str | None:
    """A warning when the public port is one any account of the machine may take while the proxy is down."""
    if hub["port"] < _unprivileged_start():
        return None
    return (f"Warning: port {hub['port']} is one any account on this machine (learners too) can listen on while "
            "the proxy is down (during `down`/`up` or a restart), e.g. with a fake login page; on a shared "
            "machine use a port below 1024 (443 with hub.https, or 80).")


def service_port_refusal(config: dict, services: list[str]) -> str | None:
    """Why `up` refuses a hub service's port (analytics.port, assignments.port) that any account of the
    machine may listen on, or None. Unlike the public port (only warned about: a phishing page needs the
    person to type into it), the service's port is called by every user server with its API token: a
    learner listening there while the service restarts collects the tokens and acts as those users. A
    port left null is chosen below the unprivileged start already; the site may still accept one above."""
    if config["hub"].get("allow_unprivileged_service_ports"):
        return None
    start = _unprivileged_start()
    # a machine (a container) whose ip_unprivileged_port_start is that low leaves no port out of reach
    fix = (f"leave it null (a free port below {start} is chosen) or set one below {start}" if start > PRIVILEGED.start
           else f"set net.ipv4.ip_unprivileged_port_start to 1024 (it is {start}) and leave the port null")
    for name in services:
        port = (config.get(name) or {}).get("port")
        if port is not None and port >= start:
            return (f"{name}.port {port} is a port any account on this machine (learners too) can listen on "
                    f"while the service restarts, collecting the tokens user servers send it: {fix}; if no one "
                    "you do not trust can run programs on this machine, set "
                    "hub.allow_unprivileged_service_ports: true.")
    return None
