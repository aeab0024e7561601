"""`campushub up`: prepare everything idempotently, then run hub and proxy in the foreground."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .. import config as site_config
from ..config import public_url
from ..deploy.local import processes
from ..deploy.local.errors import InstallError
from ..deploy.local.layout import Layout
from ..deploy.local.proxy import ensure_proxy
from ..deploy.local.environments import default_env_dir, ensure_environments
from ..hub.auth import bootstrap
from ..hub.spawners import cgroups
from .main import CommandError


def register(sub) -> None:
    p = sub.add_parser("up", help="install what is missing and run the platform in the foreground")
    p.add_argument("--config", metavar="FILE", help="site configuration (default: built-in defaults)")
    p.add_argument("--ip", help="address to listen on (overrides hub.ip)")
    p.add_argument("--port", type=int, help="port to listen on (overrides hub.port)")
    p.add_argument("--data-dir", metavar="DIR", help="state directory (overrides data_dir)")
    p.add_argument("--admin", metavar="NAME", help="create this admin account and print its password once")
    p.set_defaults(func=run)


def effective_config(args) -> dict:
    config = site_config.load(args.config)
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
    try:
        cgroups.detect()
    except cgroups.CgroupUnavailable as e:
        if not config["limits"]["allow_unlimited"]:
            raise CommandError(
                f"cannot enforce resource limits: {e}.\n"
                "Fix cgroups, or set `limits: {allow_unlimited: true}` in the config to run without limits."
            ) from None


def _admin_name(name: str) -> str:
    name = name.strip().lower()
    if not name or "/" in name or len(name) > 128:
        raise CommandError(f"--admin {name!r}: give a user name of 1 to 128 characters without '/'.")
    return name


def run(args) -> int:
    config = effective_config(args)
    admin = _admin_name(args.admin) if args.admin else None
    if admin and config["auth"]["type"] != "native":
        raise CommandError(
            f"--admin works with auth.type native only; with {config['auth']['type']} the identity "
            "provider decides: use hub.admin_users or roles.admin_groups in the config."
        )
    preflight(config)
    layout = Layout(Path(config["data_dir"]))
    if processes.read_pid(layout, "hub"):
        raise CommandError(f"a hub for {layout.data_dir} is already running; stop it with `campushub down`.")
    busy = processes.busy_ports(config["hub"], include_proxy=not processes.read_pid(layout, "proxy"))
    if busy:
        raise CommandError(f"cannot listen on {', '.join(busy)}: stop what uses it or choose another port.")
    console = Console()
    prefix = Path(config["install_prefix"])
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("Preparing the data dir", total=6)

        def step(message: str) -> None:
            progress.update(task, description=message)

        layout.ensure()
        layout.config_copy.write_text(json.dumps(config, indent=1))
        password = _bootstrap_admin(config, layout, admin)
        progress.advance(task)
        try:
            step("Building the user environments")
            env_dir = default_env_dir(config, ensure_environments(config, progress=step))
            progress.advance(task)
            step("Installing configurable-http-proxy")
            chp = ensure_proxy(prefix / "proxy", progress=step)
            progress.advance(task)
        except InstallError as e:
            raise CommandError(str(e)) from None
        step("Starting the proxy")
        proxy = processes.start_proxy(layout, chp, config["hub"])
        try:
            processes.wait_proxy(layout, config["hub"], proxy)
        except RuntimeError as e:
            processes.stop(layout, "proxy")
            raise CommandError(_failed(e, layout.log_file("proxy"))) from None
        progress.advance(task)
        step("Starting JupyterHub")
        hub = processes.start_hub(layout, env_dir)
        progress.advance(task)
        step("Waiting for JupyterHub to answer")
        try:
            processes.wait_http(_hub_api(config), timeout=120, proc=hub, what="JupyterHub")
        except RuntimeError as e:
            processes.stop(layout, "hub")
            processes.stop(layout, "proxy")
            raise CommandError(_failed(e, layout.log_file("hub"))) from None
        progress.advance(task)
        step("Ready")
    console.print(f"CampusHub is running at [bold]{public_url(config)}{config['hub']['base_url']}[/]")
    if password:
        console.print(f"Admin account [bold]{admin}[/] created. One-time password: [bold]{password}[/]")
        console.print("It is shown only now; change it at /hub/change-password after logging in.")
    console.print(f"Logs: {layout.log_file('hub')}  Stop with Ctrl-C or `campushub down`.")
    return _supervise(layout, hub, console, restart_proxy=lambda: processes.start_proxy(layout, chp, config["hub"]))


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


def _supervise(layout: Layout, hub, console: Console, restart_proxy) -> int:
    """Run until Ctrl-C, SIGTERM (from `down`) or the hub exiting on its own.

    A proxy that dies is started again; the hub puts its routes back within
    seconds (VerifiedRouteProxy), so running servers stay reachable.
    """
    layout.pid_file("up").write_text(str(os.getpid()))
    stopping = threading.Event()

    def on_signal(signum, frame):
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping.wait(0.5):
            if hub.poll() is not None:
                console.print(f"[red]JupyterHub exited (status {hub.returncode}); see {layout.log_file('hub')}[/]")
                processes.stop(layout, "proxy")
                return 1
            if not processes.read_pid(layout, "proxy"):
                console.print("[yellow]configurable-http-proxy exited; starting it again[/]")
                restart_proxy()
        console.print("Stopping JupyterHub and the proxy; user servers keep running.")
        processes.stop(layout, "hub")
        processes.stop(layout, "proxy")
        return 0
    finally:
        layout.pid_file("up").unlink(missing_ok=True)
