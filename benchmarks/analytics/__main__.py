"""`python -m benchmarks.analytics`: run the two servers (see the package docstring), print the table and JSON."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import signal
import sys
from pathlib import Path

from campushub.deploy.local.userenv import env_dir_for

from ..spawn import frame
from ..spawn.accounts import userdel
from ..spawn.common import log
from ..spawn.machine import git_revision, machine_info
from . import __doc__ as DOC
from .load import Load
from .report import summarize, table
from .run import interleaved
from .servers import (
    CELL,
    PACKAGE,
    PATH,
    Account,
    extension_loaded,
    lay_extension,
    receiver_counts,
    start_receiver,
    start_server,
    wait_until,
)

# The environment a default site builds for this checkout's lock file (its name carries the lock's digest).
DEFAULT_ENV = env_dir_for("/usr/bin/python3", Path("/opt/campushub/envs"),
                          Path(__file__).resolve().parents[2] / "campushub" / "singleuser" / "environment.lock")
ACCOUNT = f"bench-an{os.getpid() % 100000:05d}"


def parse(argv) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.analytics", description=DOC.split("\n\n")[0])
    p.add_argument("--executions", type=int, default=2000, help="timed executions per server (2000)")
    p.add_argument("--block", type=int, default=50, help="executions in a row on one server (50)")
    p.add_argument("--warmup", type=int, default=100, help="untimed executions per server first (100)")
    p.add_argument("--env", type=Path, default=DEFAULT_ENV, help=f"the user environment ({DEFAULT_ENV})")
    p.add_argument("--flush", type=float, help="the extension's seconds between sends (its default: 5)")
    p.add_argument("--no-quickack", dest="quickack", action="store_false",
                   help="let the client delay its ACKs as Linux does by default (client.py says why it does not)")
    p.add_argument("--json", metavar="FILE", help="also write the JSON result here")
    p.add_argument("--keep-logs", metavar="DIR", help="copy the servers' and receiver's logs here before cleanup")
    args = p.parse_args(argv)
    if args.executions < 1 or args.block < 1 or args.warmup < 0:
        p.error("--executions and --block must be at least 1, --warmup at least 0")
    if not (args.env / "bin" / "python").exists():
        p.error(f"--env {args.env}: no bin/python there; give a CampusHub user environment")
    return args


def run_clients(args, on, off, phases: list[dict]) -> None:
    """The timed part, with SIGINT/SIGTERM turned into a cancellation the loop can deliver."""
    async def main():
        loop, me, caught = asyncio.get_running_loop(), asyncio.current_task(), []
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda sig=sig: (caught.append(sig), me.cancel()))
        try:
            await interleaved(on, off, args.executions, args.block, args.warmup, phases, args.quickack)
        except asyncio.CancelledError:
            if caught:
                raise frame.Interrupted(f"signal {caught[0]}") from None
            raise
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
                signal.signal(sig, frame._on_signal)

    asyncio.run(main())


def measure(args, workdir: Path, phases: list[dict], state: dict) -> dict:
    started, machine = dt.datetime.now(dt.UTC), machine_info()
    overlay = lay_extension(workdir)
    state["account"] = account = Account(ACCOUNT)
    state["receiver"], receiver = start_receiver(workdir)
    log(f"work dir {workdir}; account {account.name}; receiver {receiver}")
    servers = state["servers"] = []
    for label, enabled in (("on", True), ("off", False)):
        servers.append(start_server(label, enabled, account, args.env, overlay, workdir, receiver, args.flush))
    on, off = servers
    if not extension_loaded(on) or extension_loaded(off):
        raise RuntimeError(f"{PACKAGE} should be loaded by the on server only (see {on.log}, {off.log})")
    log(f"servers up: on :{on.port}, off :{off.port}; {args.warmup} warm-up and {args.executions} timed "
        f"executions each, blocks of {args.block}")
    load = Load([on.proc.pid, off.proc.pid, state["receiver"].pid])
    run_clients(args, on, off, phases)
    machine_load = load.done()
    # per execution, server and kernel together: the extension's work off the latency path shows here too
    cpu = load.cpu_seconds()
    server_cpu = {s.label: round(1000 * cpu[s.proc.pid] / (args.executions + args.warmup), 3) for s in servers}
    expected = args.executions + args.warmup
    tail = {s.label: s.token[-8:] for s in servers}

    def executions_from(label):
        return receiver_counts(receiver).get(tail[label], {}).get("kinds", {}).get("execution", 0)

    log(f"waiting for the on server's {expected} execution records to reach the receiver")
    wait_until(lambda: executions_from("on") >= expected, 3 * (args.flush or 5) + 30, "the execution records")
    counts = receiver_counts(receiver)
    result = {
        "benchmark": "analytics", "date": started.isoformat(timespec="seconds"),
        "machine": machine, "load": machine_load, "git": git_revision(),
        "params": {"executions": args.executions, "block": args.block, "warmup": args.warmup,
                   "env": str(args.env), "flush_s": args.flush, "quickack": args.quickack,
                   "code": "pass", "cell": CELL, "path": PATH},
        "server_cpu_ms_per_execution": server_cpu,
        "records": {label: counts.get(tail[label], {"batches": 0, "kinds": {}}) for label in tail},
        "phases": phases, "summary": summarize(phases),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if result["records"]["off"]["kinds"]:
        raise RuntimeError(f"the off server sent records: {result['records']['off']}")
    return result


def tidy(args, workdir: Path, state: dict) -> None:
    log("cleaning up: servers, receiver, account, work dir")
    for server in state.get("servers", []):
        try:
            server.stop()
        except Exception as e:
            log(f"cleanup: stopping the {server.label} server: {type(e).__name__}: {e}")
    if state.get("receiver"):
        state["receiver"].terminate()
        state["receiver"].wait(10)
    if args.keep_logs:
        Path(args.keep_logs).mkdir(parents=True, exist_ok=True)
        for log_file in workdir.glob("*.log"):
            shutil.copy(log_file, args.keep_logs)
    userdel(ACCOUNT)  # if it was made; also kills anything of the account's still running
    shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None) -> int:
    args = parse(argv)
    state: dict = {}
    return frame.run("campushub-analytics-", lambda workdir, phases: measure(args, workdir, phases, state),
                     lambda workdir: tidy(args, workdir, state), summarize,
                     lambda result: table(result), args.json)


if __name__ == "__main__":
    sys.exit(main())
