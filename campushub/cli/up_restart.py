"""`campushub up` while an `up` already runs for the data dir: apply the new
configuration or code by restarting the hub, and only the hub.

This side (the second `up`) has validated the configuration already (a bad
one stops here, before anything changes); it leaves its arguments for the
running `up`, sends it SIGHUP and shows the progress of the restart
(deploy/local/restart.py). The other side (the re-executed `up`) keeps the
proxy, the fork servers and our services when their settings are unchanged.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from rich.console import Console

from ..deploy.local import adopt, hub_services_local, pids, processes, restart
from ..deploy.local.forkserver_state import PREFIX
from ..deploy.local.layout import Layout
from . import hub_api
from .main import CommandError
from .steps import Steps

TIMEOUT = 1800.0  # a restart may build a new user environment first


def running(layout: Layout) -> int | None:
    """The pid of the `up` that runs for this data dir, if one does."""
    return processes.read_pid(layout, "up")


def _catches_hup(pid: int) -> bool:
    """Whether that `up` takes SIGHUP as a request: it has a handler, or it holds SIGHUP blocked,
    as an `up` does from its exec until its new handlers are in place (restart.reexec): a request
    sent then waits and is applied after the restart under way. An older `up` does neither."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    masks = dict(line.split(":", 1) for line in status.splitlines() if line.startswith(("SigCgt:", "SigBlk:")))
    return any(int(mask, 16) >> (signal.SIGHUP - 1) & 1 for mask in masks.values())


def _args(args, layout: Layout) -> list[str]:
    """This command line, with paths made absolute for the running `up` (another working directory)."""
    out = ["up"]
    if args.config:
        out += ["--config", str(Path(args.config).resolve())]
    if args.ip is not None:
        out += ["--ip", args.ip]
    if args.port is not None:
        out += ["--port", str(args.port)]
    return out + ["--data-dir", str(layout.data_dir)]


def hand_over(args, layout: Layout, console: Console, bootstrap) -> int:
    pid = running(layout)
    if not _catches_hup(pid):
        raise CommandError(f"campushub up already runs for {layout.data_dir} (pid {pid}), from a CampusHub that "
                           "cannot apply a configuration in place: run `campushub down`, then `campushub up`.")
    waiting = restart.request_file(layout)
    under_way = CommandError(f"a restart of {layout.data_dir} is already under way: wait until it has finished.")
    if waiting.exists():
        if time.time() - waiting.stat().st_mtime < TIMEOUT:
            raise under_way
        waiting.unlink(missing_ok=True)  # left by a second `up` that died
    request = restart.ask(layout, _args(args, layout))
    if request is None:  # another second `up` asked meanwhile
        raise under_way
    try:
        # only once the request is ours: the account file is read by the next hub that starts,
        # whichever `up` starts it, so its password must reach the screen on every path from here
        password = bootstrap()
    except BaseException:
        restart.withdraw(layout, request)  # not signalled yet
        raise
    try:
        console.print(f"campushub up already runs for {layout.data_dir} (pid {pid}): restarting the hub with this "
                      "configuration; user servers keep running.")
        if not pids.signal_recorded(layout.pid_file("up"), signal.SIGHUP):
            restart.withdraw(layout, request)
            raise CommandError("the running campushub up exited meanwhile: run `campushub up` again.")
        result = _follow(layout, request, console)
        if not result.get("ok"):
            back = " The running CampusHub went back to its configuration before." if result.get("went_back") else ""
            raise CommandError(f"the new configuration was not applied: {result.get('error')}.{back}")
        console.print(f"The hub restarted with the new configuration at [bold]{result.get('url')}[/]; "
                      f"{result.get('servers', 0)} user server(s) kept running.")
        if password:
            console.print(f"Admin account [bold]{args.admin}[/] created. One-time password: [bold]{password}[/]")
            password = None
    finally:
        if password:
            console.print(f"Admin account [bold]{args.admin}[/]: made when the hub next starts, if not already. "
                          f"One-time password: [bold]{password}[/]")
    return 0


def _follow(layout: Layout, request: str, console: Console) -> dict:
    """Show the running `up`'s progress until its result, its exit or the deadline."""
    progress, result = restart.progress_file(layout, request), restart.result_file(layout, request)
    deadline, seen, steps = time.monotonic() + TIMEOUT, 0, None
    try:
        while time.monotonic() < deadline:
            seen, events = _new_events(progress, seen)
            for event in events:
                steps = _show(event, steps, console)
            if result.exists():
                return json.loads(result.read_text())
            if running(layout) is None:
                return {"ok": False, "error": f"campushub up exited; see {layout.log_file('hub')} and its output"}
            time.sleep(0.2)
        return {"ok": False, "error": f"no answer within {TIMEOUT:.0f} s"}
    finally:
        if steps is not None:
            steps.__exit__(None, None, None)
        for path in (progress, result):
            path.unlink(missing_ok=True)


def _new_events(progress: Path, seen: int) -> tuple[int, list[dict]]:
    """The progress events after byte `seen`, and where the next read starts. Only whole lines:
    the running `up` may be writing the last one (Relay appends), so it is read next time."""
    try:
        with open(progress, "rb") as f:
            f.seek(seen)
            text = f.read()
    except OSError:  # not written yet
        return seen, []
    whole = text[:text.rfind(b"\n") + 1]
    events = []
    for line in whole.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a display line lost is no reason to stop following the restart
        if isinstance(event, dict):
            events.append(event)
    return seen + len(whole), events


def _show(event: dict, steps: Steps | None, console: Console) -> Steps:
    if steps is None:
        steps = Steps(console, total=event.get("total", 1)).__enter__()
    if "step" in event:
        steps.done = event.get("done", steps.done)
        steps.step(event["step"])
    elif "say" in event:
        steps.say(event["say"])
    elif "warn" in event:
        console.print(event["warn"], style="yellow", markup=False, highlight=False)
    elif "advance" in event:
        steps.advance()
    return steps


class _Relayed:
    """A restart's Steps: shown here (the running `up`'s output) and to the second `up`."""

    def __init__(self, steps: Steps, relay: restart.Relay):
        self._steps, self._relay = steps, relay

    def step(self, title: str) -> None:
        self._steps.step(title)
        self._relay(step=title, done=self._steps.done, total=self._steps.total)

    def say(self, message: str) -> None:
        self._steps.say(message)
        self._relay(say=message)

    def warn(self, message: str) -> None:
        self._steps.console.print(message, style="yellow", markup=False, highlight=False)
        self._relay(warn=message)

    def advance(self) -> None:
        self._steps.advance()
        self._relay(advance=1)


def relayed(steps: Steps, adoption: restart.Adoption | None):
    return _Relayed(steps, restart.Relay(adoption.data_dir, adoption.request)) if adoption else steps


def back_to_previous(adoption: restart.Adoption | None, error: Exception) -> None:
    restart.fall_back(adoption, str(error))


def previous_config(layout: Layout) -> dict:
    """The configuration the running processes were started with (before this restart overwrites it)."""
    try:
        return json.loads(layout.config_copy.read_text())
    except (OSError, ValueError):
        return {}


def keep_or_stop_proxy(layout: Layout, chp, hub: dict, steps) -> adopt.Adopted | None:
    """The running proxy, kept unless its own settings changed (then stopped, to be started anew)."""
    pid = processes.read_pid(layout, "proxy")
    if pid is None:
        return None
    if not processes.proxy_changed(layout, chp, hub):
        steps.say(f"keeping the running proxy (pid {pid})")
        return adopt.Adopted(pid)
    steps.warn("The proxy's settings changed: restarting it. User servers are unreachable for a few seconds, "
               "until the new hub has given the proxy their routes again.")
    processes.stop(layout, "proxy")
    return None


def _service_print(service, config: dict, layout: Layout, env_dir) -> str:
    return adopt.fingerprint(env=service.environment(config, layout, env_dir),
                             settings=adopt.service_settings(config, service.key, *service.reads),
                             campushub=adopt.installed_version())


def keep_or_stop_service(service, config: dict, layout: Layout, env_dir, say) -> adopt.Adopted | None:
    """A running hub service, kept if started with the same settings and CampusHub, else stopped."""
    pid = processes.read_pid(layout, service.name)
    if pid is None:
        return None
    if adopt.recorded(layout, service.name) == _service_print(service, config, layout, env_dir):
        say(f"keeping {service.label} (pid {pid}): its settings are unchanged")
        return adopt.Adopted(pid)
    say(f"restarting {service.label}: its settings or CampusHub changed")
    processes.stop(layout, service.name)
    return None


def stop_unwanted(layout: Layout, config: dict, forks: bool, say) -> None:
    """What ran before this restart and the new configuration turns off: a service, the fork servers."""
    for service in hub_services_local.SERVICES:
        if not service.wanted(config) and processes.stop(layout, service.name):
            say(f"stopped {service.label}: the configuration turns it off")
    if not forks:
        stopped = [path.stem for path in sorted(layout.run_dir.glob(f"{PREFIX}*.pid"))
                   if processes.stop(layout, path.stem, timeout=5)]
        if stopped:
            say(f"stopped the fork servers ({len(stopped)}): spawner.fork_server is off; their servers keep running")


def start_service(service, config: dict, layout: Layout, env_dir):
    proc = service.start(config, layout, env_dir)
    if proc is not None:
        adopt.record(layout, service.name, _service_print(service, config, layout, env_dir))
    return proc


def done(adoption: restart.Adoption, layout: Layout, console: Console) -> None:
    """Tell the second `up` (and this output) that the new hub answers, and how many servers kept running."""
    try:
        servers = _count_servers(hub_api.HubAPI.for_layout(layout))
    except Exception as e:  # the count is information only: the restart itself worked
        console.print(f"Could not count the running user servers: {e}", style="yellow", markup=False)
        servers = None
    try:
        url = json.loads(layout.up_state.read_text())["url"]  # as Lifetime.record wrote it
    except (OSError, ValueError, KeyError):
        url = ""
    if adoption.failed:  # this `up` went back after a failed restart: only now is that true
        console.print(f"Back on the configuration before; {servers} user server(s) kept running.")
        restart.report(adoption.data_dir, adoption.request, ok=False, error=adoption.failed, went_back=True,
                       servers=servers, url=url, pid=os.getpid())
        return
    console.print(f"Restarted with the new configuration; {servers} user server(s) kept running.")
    restart.report(adoption.data_dir, adoption.request, ok=True, servers=servers, url=url, pid=os.getpid())


def _count_servers(api: hub_api.HubAPI) -> int:
    count, offset = 0, 0
    while True:
        page = api.get("users", params={"state": "active", "offset": offset, "limit": 200})
        count += sum(len(user.get("servers") or {}) for user in page)
        if len(page) < 200:
            return count
        offset += len(page)

