"""`python -m benchmarks.restart`: see the package docstring."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from ..spawn import frame
from ..spawn.common import log
from ..spawn.hubs import cleanup, keep_logs
from ..spawn.machine import git_revision, machine_info
from . import __doc__ as DOC
from .hubs import make_sides
from .report import summarize, table
from .rounds import restarts, users_api


def parse(argv) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.restart", description=DOC.split("\n\n")[0])
    p.add_argument("--users", type=int, default=10000, help="people in each hub's database (10000)")
    p.add_argument("--rounds", type=int, default=3, help="restarts of each hub (3)")
    p.add_argument("--requests", type=int, default=200,
                   help="timed GET /hub/api/users?limit=200 per hub and round (200)")
    p.add_argument("--block", type=int, default=20, help="requests in a row to one hub (20)")
    p.add_argument("--warmup", type=int, default=10, help="untimed requests per hub after each restart (10)")
    p.add_argument("--json", metavar="FILE", help="also write the JSON result here")
    p.add_argument("--keep-logs", metavar="DIR", help="copy the hubs' logs here before cleanup")
    args = p.parse_args(argv)
    if args.users < 200 or args.rounds < 1 or args.requests < 1 or args.block < 1 or args.warmup < 0:
        p.error("--users must be at least 200 (a full page), --rounds, --requests and --block at least 1, "
                "--warmup at least 0")
    return args


def measure(args, workdir: Path, phases: list[dict], made: list) -> dict:
    started, load_before = dt.datetime.now(dt.UTC), os.getloadavg()
    log(f"work dir {workdir}; making both hubs and {args.users} people in each database")
    people, sides = make_sides(workdir, args.users, made)
    for rnd in range(1, args.rounds + 1):
        restarts(sides, rnd, phases)
        users_api(sides, rnd, args.requests, args.block, args.warmup, phases)
    return {"benchmark": "restart", "date": started.isoformat(timespec="seconds"), "machine": machine_info(),
            "git": git_revision(), "people": people,
            # other work on the machine slows both hubs: 1, 5 and 15-minute load averages
            "load_average": {"start": load_before, "end": os.getloadavg()},
            "params": {k: getattr(args, k) for k in ("users", "rounds", "requests", "block", "warmup")},
            "phases": phases, "summary": summarize(phases),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def tidy(args, workdir: Path, made: list) -> None:
    campus = next((s for s in made if s.name == "campushub"), None)
    stock = next((s for s in made if s.name == "stock"), None)
    if args.keep_logs:
        keep_logs(workdir, Path(args.keep_logs))
    cleanup(stock, campus, workdir)


def main(argv=None) -> int:
    args = parse(argv)
    made: list = []
    return frame.run("campushub-restart-", lambda workdir, phases: measure(args, workdir, phases, made),
                     lambda workdir: tidy(args, workdir, made), summarize,
                     lambda result: table(result), args.json)


if __name__ == "__main__":
    sys.exit(main())
