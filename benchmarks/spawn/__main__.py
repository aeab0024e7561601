"""`python -m benchmarks.spawn`: run the benchmark (see the package docstring), print the table and JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from tests.harness import TEST_PREFIX

from . import __doc__ as DOC
from . import frame
from .common import CODE, POLL, POLL_MANY, log
from .cpu import LEDGER_ROOTS
from .hubs import cleanup, keep_logs, start_campushub, start_stock
from .machine import machine_info, software_info
from .phases import run_round
from .report import summarize, table
from .steps import profile, profile_text


def parse(argv) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.spawn", description=DOC.split("\n\n")[0])
    p.add_argument("--users", type=int, default=20, help="concurrent users in the `many` phase (default 20)")
    p.add_argument("--rounds", type=int, default=3, help="rounds per hub, alternating (default 3)")
    p.add_argument("--repeat", type=int, default=1, help="sequential single-user spawns per round (default 1)")
    p.add_argument("--timeout", type=float, default=300, help="seconds one spawn may take to its first result")
    p.add_argument("--json", metavar="FILE", help="also write the JSON result here")
    p.add_argument("--keep-logs", metavar="DIR", help="copy the hubs' and servers' logs here before cleanup")
    p.add_argument("--no-profile", action="store_true", help="skip the spawner step profile and cgroup probe")
    args = p.parse_args(argv)
    if min(args.users, args.rounds, args.repeat) < 1 or args.timeout <= 0:
        p.error("--users, --rounds and --repeat must be at least 1, --timeout above 0")
    return args


def measure(args, workdir: Path, phases: list[dict], hubs: dict) -> dict:
    """Start both hubs, run the rounds into `phases` (in place), profile; return the result."""
    started = dt.datetime.now(dt.UTC)
    log(f"work dir {workdir}; starting CampusHub (`campushub up`)")
    campus, campus_start = start_campushub(workdir, created=lambda t: hubs.update(campus=t))
    log("starting stock JupyterHub (`python -m jupyterhub`)")
    stock, stock_start = start_stock(workdir, campus, created=lambda t: hubs.update(stock=t))
    LEDGER_ROOTS[:] = [("campushub", campus.hub.proc.pid), ("stock", stock.hub.proc.pid)]
    for target in (stock, campus):
        target.prepare([target.hub_name(f"{i:02d}") for i in range(0, args.users + 1)])
    effective = json.loads((campus.hub.data_dir / "effective-config.json").read_text())
    result = {
        "benchmark": "spawn", "date": started.isoformat(timespec="seconds"),
        "machine": machine_info(), "software": software_info(stock.hub.env_dir, Path(stock.hub.chp[-1])),
        "params": {"users": args.users, "rounds": args.rounds, "repeat": args.repeat,
                   "poll_s": POLL, "poll_many_s": POLL_MANY, "code": CODE,
                   "campushub_limits": effective["limits"], "campushub_account_prefix": TEST_PREFIX},
        "hub_start_s": {"stock": round(stock_start, 2), "campushub_up": round(campus_start, 2)},
    }
    for rnd in range(1, args.rounds + 1):
        log(f"round {rnd}/{args.rounds}")
        run_round([stock, campus], rnd, args.users, args.repeat, args.timeout, phases)
    result["phases"] = phases
    result["summary"] = summarize(phases)
    if not args.no_profile:
        result["profile"] = profile(args.users)
    result["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return result


def main(argv=None) -> int:
    args = parse(argv)
    hubs: dict = {}

    def tidy(workdir: Path) -> None:
        if args.keep_logs:
            keep_logs(workdir, Path(args.keep_logs))
        cleanup(hubs.get("stock"), hubs.get("campus"), workdir)

    def render(result: dict) -> str:
        text = table(result["summary"], args.users)
        if result.get("profile"):
            text += "\n\n" + profile_text(result["profile"])
        return text

    return frame.run("campushub-bench-", lambda workdir, phases: measure(args, workdir, phases, hubs), tidy,
                     summarize, render, args.json)


if __name__ == "__main__":
    sys.exit(main())
