"""`python -m benchmarks.classroom`: run the classes (see the package docstring), print the table and JSON."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from pathlib import Path

import psutil

from ..spawn import frame
from ..spawn.common import log
from ..spawn.cpu import LEDGER_ROOTS
from ..spawn.hubs import cleanup, keep_logs, start_campushub, start_stock
from ..spawn.machine import machine_info, software_info
from . import __doc__ as DOC
from .directory import LEARNER_PREFIX, CampusClass, Directory, StockClass, learner
from .lesson import run_class
from .report import summarize, table


def sizes(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give class sizes as numbers, e.g. 20,60,100") from None
    if not values or min(values) < 1 or max(values) > 999:
        raise argparse.ArgumentTypeError(f"{text!r}: class sizes must be between 1 and 999")
    return values


def parse(argv) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.classroom", description=DOC.split("\n\n")[0])
    p.add_argument("--users", type=sizes, default=[20, 60, 100], help="class sizes, comma-separated (20,60,100)")
    p.add_argument("--window", type=float, default=60, help="seconds over which a class arrives (60)")
    p.add_argument("--rounds", type=int, default=1, help="rounds, each every class on both hubs (1)")
    p.add_argument("--repeat", type=int, default=3, help="single-learner starts per round and hub (3)")
    p.add_argument("--seed", type=int, help="random arrival times with this seed (default: evenly spread)")
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds a learner may take from the login page to the result (300)")
    p.add_argument("--json", metavar="FILE", help="also write the JSON result here")
    p.add_argument("--keep-logs", metavar="DIR", help="copy the hubs' and servers' logs here before cleanup")
    args = p.parse_args(argv)
    if args.rounds < 1 or args.repeat < 0 or args.window < 0 or args.timeout <= 0:
        p.error("--rounds must be at least 1, --repeat and --window at least 0, --timeout above 0")
    return args


def plan(args) -> list[tuple[str, list[str]]]:
    """The classes of one round: the lone learner (000) --repeat times, then each class size (001..N)."""
    return ([("single", [learner(0)])] * args.repeat
            + [("class", [learner(i) for i in range(1, n + 1)]) for n in args.users])


def measure(args, workdir: Path, phases: list[dict], state: dict) -> dict:
    started = dt.datetime.now(dt.UTC)
    directory = state["directory"] = Directory(workdir)
    names = [learner(i) for i in range(0, max(args.users) + 1)]
    directory.add(names)
    log(f"work dir {workdir}; slapd on port {directory.server.port}; starting CampusHub (`campushub up`)")
    campus, campus_start = start_campushub(workdir, {"auth": directory.campus_auth()}, CampusClass,
                                           created=lambda t: state.update(campus=t))
    log("starting stock JupyterHub (`python -m jupyterhub`, ldapauthenticator)")
    stock, stock_start = start_stock(workdir, campus, directory.stock_auth(), StockClass,
                                     created=lambda t: state.update(stock=t))
    LEDGER_ROOTS[:] = [("campushub", campus.hub.proc.pid), ("stock", stock.hub.proc.pid)]
    log(f"creating {len(names)} learners on both hubs (accounts and hub users, untimed)")
    for target in (stock, campus):
        target.enrol(names)
    effective = json.loads((campus.hub.data_dir / "effective-config.json").read_text())
    result = {
        "benchmark": "classroom", "date": started.isoformat(timespec="seconds"),
        "machine": machine_info(), "software": software_info(stock.hub.env_dir, Path(stock.hub.chp[-1])),
        "params": {"users": args.users, "window_s": args.window, "rounds": args.rounds, "repeat": args.repeat,
                   "seed": args.seed, "timeout_s": args.timeout, "learner_prefix": LEARNER_PREFIX,
                   "campushub_limits": effective["limits"], "campushub_spawner": effective["spawner"],
                   "stock_spawner": stock.hub.spawner},
        "hub_start_s": {"stock": round(stock_start, 2), "campushub_up": round(campus_start, 2)},
    }
    for rnd in range(1, args.rounds + 1):
        order = [stock, campus] if rnd % 2 else [campus, stock]
        log(f"round {rnd}/{args.rounds}: {order[0].label} first")
        for kind, members in plan(args):
            for target in order:
                phase = run_class(target, kind, members, args.window, args.seed, args.timeout,
                                  directory.server.proc.pid)
                phase["round"] = rnd
                phases.append(phase)  # in place: an interrupted run still reports what it measured
    result["phases"] = phases
    result["summary"] = summarize(phases)
    result["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return result


def stop_leftover_forkservers(workdir: Path) -> None:
    """Fork servers of this run's CampusHub that `down` did not stop (e.g. `up` died while starting):
    recognised by their socket under this run's own temp dir, stopped by pid."""
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or ())
        if "campushub_forkserver" in cmd and f"{workdir}/" in cmd:
            log(f"cleanup: stopping leftover fork server {p.pid}")
            with contextlib.suppress(psutil.NoSuchProcess):
                p.terminate()


def tidy(args, workdir: Path, state: dict) -> None:
    if args.keep_logs:
        keep_logs(workdir, Path(args.keep_logs))
    try:
        cleanup(state.get("stock"), state.get("campus"), workdir, prefixes=(LEARNER_PREFIX,))
        stop_leftover_forkservers(workdir)
    finally:
        if state.get("directory"):
            state["directory"].stop()


def main(argv=None) -> int:
    args = parse(argv)
    state: dict = {}
    return frame.run("campushub-classroom-", lambda workdir, phases: measure(args, workdir, phases, state),
                     lambda workdir: tidy(args, workdir, state), summarize,
                     lambda result: table(result["summary"]), args.json)


if __name__ == "__main__":
    sys.exit(main())
