"""`campushub up`'s part for Enterprise Gateway (remote_kernels.enabled):
its venv (built with the user environments), its port (as configured, else
as recorded, else a free one below 1024, like the services'), its start
after the hub's, its restart when it dies, and at a reload: kept when what
it was started with is unchanged, else restarted. A restart leaves remote
kernels running (eg_app.py: the new gateway takes them back), so only
requests made during those seconds fail. Turning remote kernels off stops
the gateway and every remote kernel."""

from __future__ import annotations

import json
from pathlib import Path

from ..config import remote_kernels
from ..deploy.local import adopt, ports, processes
from ..deploy.local.layout import Layout
from ..deploy.local.remote_kernels import gateway, kernel_cgroup, venv
from ..deploy.local.spawner import cgroups
from .main import CommandError

NAME = gateway.NAME  # its pid file, log and the supervisor's name for it


def wanted(config: dict) -> bool:
    return remote_kernels.enabled(config)


def resolve_port(config: dict, layout: Layout, others: tuple[int, ...]) -> dict:
    """The remote_kernels section with gateway_port a number; others: the site's ports taken already.
    A configured port any account may listen on is refused as the services' are (ports.service_port_refusal):
    one listening there while the gateway restarts collects the gateway's token from the front."""
    section = dict(config["remote_kernels"])
    port, start = section["gateway_port"], ports.unprivileged_start()
    if port is not None and port >= start and not config["hub"].get("allow_unprivileged_service_ports"):
        raise CommandError(f"remote_kernels.gateway_port {port} is a port any account on this machine (learners "
                           "too) can listen on while the gateway restarts, collecting the token the remote-kernels "
                           f"service sends it: leave it null (a free port below {start} is chosen) or set one below "
                           f"{start}; if no one you do not trust can run programs here, set "
                           "hub.allow_unprivileged_service_ports: true.")
    if section["gateway_port"] is None:
        try:
            recorded = json.loads(layout.config_copy.read_text())["remote_kernels"]["gateway_port"]
        except (OSError, ValueError, KeyError, TypeError):
            recorded = None
        hub = config["hub"]
        taken = {hub["port"], hub["hub_port"], hub["proxy_api_port"], *others}
        section["gateway_port"] = recorded if isinstance(recorded, int) and recorded not in taken \
            else ports.free_port(taken, layout)
    return section


def build(config: dict, say) -> Path:
    """The gateway's venv (InstallError when it cannot be built)."""
    say("Enterprise Gateway's environment")
    return venv.ensure_gateway_env(config, progress=say)


def start(config: dict, layout: Layout, env_dir: Path, life, say) -> None:
    """Keep a running gateway whose settings are unchanged (a reload), else start it and wait until it answers."""
    if life.adoption and processes.read_pid(layout, gateway.NAME):
        argv, env = gateway.prepare(config, layout, env_dir)
        if adopt.recorded(layout, gateway.NAME) == gateway.fingerprint(argv, env, layout):
            say(f"keeping {gateway.LABEL}: its settings are unchanged; remote kernels keep running")
            life.children.append(adopt.Adopted(processes.read_pid(layout, gateway.NAME)))
            return
        say(f"restarting {gateway.LABEL}: its settings changed; remote kernels keep running")
        processes.stop(layout, gateway.NAME)
    with life.starting_process():
        proc = gateway.start(config, layout, env_dir)
    life.children.append(proc)
    try:
        gateway.wait(config, layout, proc)
    except RuntimeError as e:
        raise CommandError(f"{e}. The end of {layout.log_file(gateway.NAME)}:\n"
                           f"{processes.tail(layout.log_file(gateway.NAME))}") from None


def respawn(config: dict, layout: Layout, env_dir: Path):
    """(label, start) for the supervisor, which starts the gateway again when it dies."""
    return gateway.LABEL, lambda: gateway.start(config, layout, env_dir)


def stop_unwanted(layout: Layout, config: dict, say) -> None:
    """After a reload that turns remote kernels off: the gateway and this site's remote kernels stop (those
    of its persisted sessions: other sites on the machine have kernels too)."""
    if wanted(config) or not processes.stop(layout, gateway.NAME):
        return
    kernels = gateway.kernel_ids(layout)
    try:
        stopped = kernel_cgroup.stop(cgroups.detect(), kernels)
    except cgroups.CgroupUnavailable:
        stopped = 0
    for kernel_id in kernels:  # a gateway started later must not take back kernels that are gone
        (gateway.sessions(layout) / f"{kernel_id}.json").unlink(missing_ok=True)
    say(f"stopped {gateway.LABEL} and {stopped} remote kernel(s): remote_kernels is off")
