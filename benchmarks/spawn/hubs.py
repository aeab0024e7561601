"""Starting both hubs on the same environment and proxy, and cleaning up after a run."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path

from campushub.config import defaults as site_defaults
from campushub.deploy.local import processes
from campushub.deploy.local.layout import Layout
from campushub.deploy.local.proxy import node_binary, proxy_script_for
from campushub.deploy.local.spawner import cgroups
from tests.harness import TEST_PREFIX, Hub, free_port

from .accounts import userdel
from .common import STOCK_PREFIX, log
from .stock import StockHub
from .targets import CampusTarget, StockTarget


def start_campushub(workdir: Path, overrides: dict | None = None, target_class: type[CampusTarget] = CampusTarget,
                    created=None) -> tuple[CampusTarget, float]:
    """`campushub up` with the site defaults (limits included) on free ports; returns it and its start time.

    created(target) is called before the hub starts, so an interrupted start can be cleaned up too.
    """
    hub = Hub.create(workdir / "campushub", {"limits": dict(site_defaults()["limits"]), **(overrides or {})})
    campus = target_class(hub)  # before up(), so cleanup stops a half-started hub too
    if created:
        created(campus)
    t0 = time.monotonic()
    hub.up(admin=None)
    return campus, time.monotonic() - t0


def start_stock(workdir: Path, campus: CampusTarget, ldap: dict | None = None,
                target_class: type[StockTarget] = StockTarget, created=None) -> tuple[StockTarget, float]:
    """Stock JupyterHub with CampusHub's environment, proxy and spawner settings."""
    hub = campus.hub
    effective = json.loads((hub.data_dir / "effective-config.json").read_text())
    prefix = Path(effective["install_prefix"])
    env_dir = env_dir_of_hub(hub) or next(Path(prefix, "envs").glob("py*-*"), None)
    if env_dir is None:
        raise RuntimeError("cannot find the shared user environment")
    chp = proxy_command_of_hub(hub) or [str(node_binary()), str(proxy_script_for(prefix / "proxy"))]
    (workdir / "stock").mkdir()
    stock_hub = StockHub(
        workdir / "stock", free_port(), free_port(), free_port(), uuid.uuid4().hex, Path(env_dir), chp,
        spawner={**effective["spawner"], "concurrent_spawn_limit": effective["hub"]["concurrent_spawn_limit"]},
        ldap=ldap,
    )
    stock = target_class(stock_hub)
    if created:
        created(stock)
    t0 = time.monotonic()
    stock_hub.up()
    return stock, time.monotonic() - t0


def _cmdline(hub: Hub, process: str) -> list[bytes]:
    pid = processes.read_pid(Layout(hub.data_dir), process)
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if pid else []
    except OSError:
        return []


def proxy_command_of_hub(hub: Hub) -> list[str] | None:
    """The command `campushub up` runs the proxy with (interpreter included), without its options."""
    args = _cmdline(hub, "proxy")
    for i, arg in enumerate(args):
        if arg.endswith(b"configurable-http-proxy"):
            return [a.decode() for a in args[: i + 1]]
    return None


def env_dir_of_hub(hub: Hub) -> str | None:
    """The environment the CampusHub hub really uses (CAMPUSHUB_ENV_DIR of its process)."""
    pid = processes.read_pid(Layout(hub.data_dir), "hub")
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if pid else []
    except OSError:
        return None
    for item in env:
        if item.startswith(b"CAMPUSHUB_ENV_DIR="):
            return item.split(b"=", 1)[1].decode()
    return None


def keep_logs(workdir: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for src, name in ((workdir / "campushub" / "data" / "logs", "campushub"),
                      (workdir / "campushub" / "up.out", "campushub-up.out"),
                      (workdir / "stock" / "jupyterhub.log", "stock-jupyterhub.log")):
        try:
            if src.is_dir():
                shutil.copytree(src, dest / name, dirs_exist_ok=True)
            elif src.exists():
                shutil.copy2(src, dest / name)
        except OSError as e:
            log(f"cannot keep {src}: {e}")


def remove_cgroups() -> None:
    """This run's server cgroups that a stopped hub left behind (the parent is weighed again)."""
    try:
        backend = cgroups.detect()
    except cgroups.CgroupUnavailable:
        return
    parent = (backend.mounts["cpu"] if backend.version == 1 else backend.root) / cgroups.PARENT
    for d in sorted(parent.glob(f"{TEST_PREFIX}*")) if parent.is_dir() else []:
        backend.remove(d.name)
        if d.exists():
            log(f"cleanup: cannot remove cgroup {d} (processes still in it?)")


def cleanup(stock: StockTarget | None, campus: CampusTarget | None, workdir: Path,
            prefixes: tuple[str, ...] = ()) -> None:
    log("cleaning up: hubs, servers, accounts, cgroups, temp dirs")
    for step in (
        lambda: stock and stock.hub.down(),
        lambda: campus and campus.hub.proc and campus.hub.proc.poll() is None and campus.hub.down("--stop-servers"),
    ):
        try:
            step()
        except Exception as e:
            log(f"cleanup: {type(e).__name__}: {e}")
    # accounts: ours only (stock prefix; CampusHub's are under this process's harness prefix)
    ours = [line.split(":", 1)[0] for line in Path("/etc/passwd").read_text().splitlines()]
    ours = [n for n in ours if n.startswith((STOCK_PREFIX, TEST_PREFIX, *prefixes))]
    for name in ours:
        userdel(name)
    remove_cgroups()
    shutil.rmtree(workdir, ignore_errors=True)
    log(f"cleanup done ({len(ours)} accounts removed)")
