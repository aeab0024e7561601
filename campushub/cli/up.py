"""`campushub up`: prepare everything idempotently, then run hub and proxy in the foreground."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rich.console import Console

from .. import config as site_config
from ..config import exposure, public_url
from ..deploy.local import forkserver_adopt, forkservers, hub_services_local, ports, processes, restart
from ..deploy.local.environments import default_env_dir, default_env_dirs, ensure_environments, published_now
from ..deploy.local.errors import InstallError
from ..deploy.local.layout import Layout
from ..deploy.local.projects import claim as projects_claim
from ..deploy.local.proxy import ensure_proxy
from ..deploy.local.spawner import cgroups, private_tmp
from ..hub.auth import bootstrap
from ..webservice import backups
from . import up_gateway, up_help, up_restart
from .main import CommandError
from .steps import Steps
from .supervise import Lifetime, Stopped


def register(sub) -> None:
    p = sub.add_parser("up", help="install what is missing and run the platform in the foreground",
                       description="Install what is missing and run the platform in the foreground. Run "
                                   "again while it runs (or systemctl reload) to apply a changed configuration "
                                   "or an upgraded CampusHub: only the hub restarts, user servers keep running "
                                   "(docs/operations.md).")
    p.add_argument("--config", metavar="FILE", help="site configuration (default: built-in defaults)")
    p.add_argument("--ip", help="address to listen on (overrides hub.ip)")
    p.add_argument("--port", type=int, help="port to listen on (overrides hub.port)")
    p.add_argument("--data-dir", metavar="DIR", help="state directory (overrides data_dir)")
    p.add_argument("--admin", metavar="NAME", help="create this admin account and print its password once")
    p.set_defaults(func=run)


def effective_config(args) -> dict:
    config = site_config.load(args.config)
    exposed = exposure.check(args.config, config)
    if exposed:
        raise CommandError(exposed)
    overrides: dict = {}
    if args.ip is not None:
        overrides.setdefault("hub", {})["ip"] = args.ip
    if args.port is not None:
        overrides.setdefault("hub", {})["port"] = args.port
    if args.data_dir is not None:
        overrides["data_dir"] = str(Path(args.data_dir).resolve())
    if overrides:
        # re-validate so a bad --port is reported like a bad key in the file
        config = site_config.validate(site_config.merge(config, overrides), path="command line")
    return config


def preflight(config: dict) -> None:
    if os.geteuid() != 0:
        raise CommandError("campushub up must run as root: it creates a unix account per user.")
    refused = ports.service_port_refusal(config, [s.key for s in hub_services_local.wanted(config)])
    if refused:
        raise CommandError(refused)
    _unless_unlimited(config, cgroups.detect, cgroups.CgroupUnavailable, "cannot enforce resource limits: {e}.\n"
                      "Fix cgroups, or set `limits: {{allow_unlimited: true}}` in the config to run without limits.")
    _unless_unlimited(config, private_tmp.check, private_tmp.PrivateTmpUnavailable,
                      "{e}.\nRun CampusHub as root with CAP_SYS_ADMIN (not in an unprivileged container), or set "
                      "`limits: {{allow_unlimited: true}}` to start servers with the machine's shared /tmp.")


def _unless_unlimited(config: dict, check, unavailable: type[Exception], message: str) -> None:
    """Run a preflight check; what it finds missing stops `up` unless the site chose limits.allow_unlimited."""
    try:
        check()
    except unavailable as e:
        if not config["limits"]["allow_unlimited"]:
            raise CommandError(message.format(e=e)) from None


def _admin_name(name: str) -> str:
    name = name.strip().lower()
    if not name or "/" in name or len(name) > 128:
        raise CommandError(f"--admin {name!r}: give a user name of 1 to 128 characters without '/'.")
    return name


def run(args) -> int:
    adoption = restart.adoption_from_env()  # this `up` re-executed itself (deploy/local/restart.py)
    try:
        config = effective_config(args)
        admin = _admin_name(args.admin) if args.admin else None
        if admin and config["auth"]["type"] != "native":
            raise CommandError(
                f"--admin works with auth.type native only; with {config['auth']['type']} the identity "
                "provider decides: use hub.admin_users or roles.admin_groups in the config."
            )
        preflight(config)
        refused = projects_claim.refusal(config)  # read only: the claim itself waits for the last refusal
        if refused:
            raise CommandError(refused)
        layout = Layout(Path(config["data_dir"]))
        console = Console()
        up_help.prepare(config, layout, console)  # a page that cannot be built stops `up` before any change
    except Exception as e:
        # any failure, a bad file (ConfigError) included: after `systemctl reload`, exiting here
        # would leave hub, proxy and services running unsupervised and the unit failed
        up_restart.back_to_previous(adoption, e)
        raise
    if adoption is None and up_restart.running(layout):
        # an `up` runs for this data dir: it applies this (validated) configuration
        return up_restart.hand_over(args, layout, console, lambda: _bootstrap_admin(config, layout, admin))
    try:
        with Lifetime(layout, adoption) as life:
            if life.left_over:
                console.print(f"Stopped what an earlier `campushub up` left running: {', '.join(life.left_over)}.")
            # what the processes kept from before the exec were started with
            before = up_restart.previous_config(layout) if adoption else {}
            config["hub"] = ports.resolve(config["hub"], layout)
            for service in hub_services_local.wanted(config):
                others = tuple(config[s.key]["port"] for s in hub_services_local.wanted(config)
                               if s != service and config[s.key]["port"])
                config[service.key] = ports.resolve_service(service.key, config[service.key], config["hub"],
                                                             layout, others)
            if up_gateway.wanted(config):
                taken = tuple(config[s.key]["port"] for s in hub_services_local.wanted(config))
                config["remote_kernels"] = up_gateway.resolve_port(config, layout, taken)
            warning = ports.public_port_warning(config["hub"])
            if warning:
                console.print(warning, style="yellow", markup=False, highlight=False)
            busy = processes.busy_ports(config["hub"], include_proxy=True, ours=before.get("hub"),
                                        proxy_pid=processes.read_pid(layout, "proxy") if adoption else None) + [
                port for service in hub_services_local.SERVICES for port in service.busy(config)
                if (before.get(service.key) or {}).get("port") != (config.get(service.key) or {}).get("port")]
            if busy:
                raise CommandError(f"cannot listen on {', '.join(busy)}: stop what uses it or choose another port.")
            # last of the refusals: a claim is written only by an `up` that goes on to start the site,
            # so a refused one (busy port, mistyped --data-dir) leaves the root as it found it
            refused = projects_claim.for_up(config)
            if refused:
                raise CommandError(refused)
            return _start_and_supervise(args, config, layout, admin, console, life)
    except Stopped as e:
        console.print(f"{e} while starting: stopped everything this `campushub up` had started.")
        return 128 + e.signum


def _start_and_supervise(args, config: dict, layout: Layout, admin, console: Console, life: Lifetime) -> int:
    prefix = Path(config["install_prefix"])
    services = hub_services_local.wanted(config)
    forks = forkservers.enabled(config)
    gateway = up_gateway.wanted(config)  # Enterprise Gateway, for remote kernels
    with Steps(console, total=6 + len(services) + forks + gateway) as shown:
        # a restart's progress also goes to the second `up` that asked for it
        steps = up_restart.relayed(shown, life.adoption)
        steps.step("Preparing the data dir")
        layout.config_copy.write_text(json.dumps(config, indent=1))
        password = _bootstrap_admin(config, layout, admin)
        steps.advance()
        try:
            steps.step("Building the user environments")
            published = ensure_environments(config, progress=steps.say)
            env_dir = default_env_dir(config, published)
            gateway_env = up_gateway.build(config, steps.say) if gateway else None
            steps.advance()
            steps.step("Installing configurable-http-proxy")
            chp = ensure_proxy(prefix / "proxy", progress=steps.say)
            steps.advance()
        except InstallError as e:
            raise CommandError(str(e)) from None
        life.record(config_file=str(Path(args.config).resolve()) if args.config else None,
                    env_dir=str(env_dir) if env_dir else None, url=f"{public_url(config)}{config['hub']['base_url']}")
        steps.step("Starting the proxy")
        if life.adoption:
            life.children.append(up_restart.keep_or_stop_proxy(layout, chp, config["hub"], steps))
        with life.starting_process():
            proxy = processes.start_proxy(layout, chp, config["hub"])
        life.children.append(proxy)
        steps.advance()
        steps.step("Starting JupyterHub")
        if life.adoption:
            # only now: the old hub served while the new one was being prepared
            processes.stop(layout, "hub")
        with life.starting_process():
            # not waiting for the proxy first: the hub retries its calls to the proxy's API
            # (30 s), so the proxy starts while the hub imports (issue 14: restart time)
            hub = processes.start_hub(layout, env_dir)
        try:
            processes.wait_proxy(layout, config["hub"], proxy)
        except RuntimeError as e:
            raise CommandError(_failed(e, layout.log_file("proxy"))) from None
        steps.advance()
        steps.step("Waiting for JupyterHub to answer")
        try:
            processes.wait_http(_hub_api(config), timeout=120, proc=hub, what="JupyterHub")
        except RuntimeError as e:
            raise CommandError(_failed(e, layout.log_file("hub"))) from None
        backups.prune_beside(layout.db_file)  # JupyterHub copied the SQLite file before a migration
        steps.advance()
        if life.adoption:
            up_restart.stop_unwanted(layout, config, forks, steps.say)
            up_gateway.stop_unwanted(layout, config, steps.say)
        fork_servers = None
        if forks:
            # once the hub answers (its imports and theirs on 2 cores made the hub 2-4 s slower),
            # waited for at the end: they warm up while the services start; a spawn before one
            # is warm takes the exec path
            steps.step("Starting the fork servers")
            fork_servers = _start_fork_servers(config, layout, published, steps, console, life)
            steps.advance()
        if gateway:  # before the services: the remote-kernels service is its client
            steps.step("Starting Enterprise Gateway")
            up_gateway.start(config, layout, gateway_env, life, steps.say)
            steps.advance()
        for service in services:
            # after the hub: a service checks its token and reads groups from the hub as it starts
            steps.step(f"Starting {service.label}")
            if life.adoption:
                life.children.append(up_restart.keep_or_stop_service(service, config, layout, env_dir, steps.say))
            with life.starting_process():
                proc = up_restart.start_service(service, config, layout, env_dir)
            life.children.append(proc)
            try:
                service.wait(config, proc, layout=layout)
            except RuntimeError as e:
                raise CommandError(_failed(e, layout.log_file(service.name))) from None
            steps.advance()
        if fork_servers:
            fork_servers.wait()  # `up` says it runs once they are warm too
    console.print(f"CampusHub is running at [bold]{public_url(config)}{config['hub']['base_url']}[/]")
    if password:
        console.print(f"Admin account [bold]{admin}[/] created. One-time password: [bold]{password}[/]")
        console.print("It is shown only now; change it at /hub/change-password after logging in.")
    console.print(f"Logs: {layout.log_file('hub')}  Stop with Ctrl-C or `campushub down`.")
    if life.adoption:
        up_restart.done(life.adoption, layout, console)
    respawn = {"proxy": ("configurable-http-proxy", lambda: processes.start_proxy(layout, chp, config["hub"]))}
    for service in services:
        respawn[service.name] = (service.label,
                                 lambda s=service: up_restart.start_service(s, config, layout, env_dir))
    if gateway:
        respawn[up_gateway.NAME] = up_gateway.respawn(config, layout, gateway_env)
    if fork_servers:
        fork_servers.say = _say(console)
    return life.supervise(hub, console, respawn, tick=fork_servers.tick if fork_servers else None)


def _say(console: Console, steps: Steps | None = None):
    def say(message: str, warning: bool = False) -> None:
        if warning or steps is None:
            console.print(message, style="yellow" if warning else None, markup=False, highlight=False)
        else:
            steps.say(message)
    return say


def _start_fork_servers(config: dict, layout: Layout, published: dict, steps: Steps, console: Console,
                        life: Lifetime) -> forkservers.ForkServers | None:
    """The default tags' fork servers, starting; one that cannot start is a warning (servers then exec)."""
    say = _say(console, steps)
    servers = forkservers.ForkServers(layout, Path(config["install_prefix"]) / "envs", say, life.starting_process,
                                      defaults=lambda: default_env_dirs(config, published_now(config)))
    try:
        servers.prepare()
        if life.adoption:
            kept = forkserver_adopt.adopt(servers)
            if kept:
                say(f"kept the running fork server(s) of {', '.join(kept)}")
    except OSError as e:
        say(f"No fork servers: {e}. Servers start the usual way.", warning=True)
        return None
    servers.launch(default_env_dirs(config, published))
    return servers


def _hub_api(config: dict) -> str:
    return f"http://127.0.0.1:{config['hub']['hub_port']}{config['hub']['base_url']}hub/api/"


def _bootstrap_admin(config: dict, layout: Layout, admin: str | None) -> str | None:
    if not admin:
        return None
    db_url = config["hub"]["db_url"] or f"sqlite:///{layout.db_file}"
    try:
        exists = bootstrap.account_exists(db_url, admin)
    except Exception as e:  # any driver or connection error: say which database
        raise CommandError(f"cannot use the hub database {_safe_url(db_url)}: {e}") from None
    layout.add_admin(admin)  # only once the database answered: a failed `up` changes nothing
    if exists:
        return None
    return bootstrap.prepare_admin(str(layout.bootstrap_admin), admin)


def _failed(error: Exception, log: Path) -> str:
    return f"{error}. The end of {log}:\n{processes.tail(log)}"


def _safe_url(url: str) -> str:
    import sqlalchemy

    return sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)
