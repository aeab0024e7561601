#!/usr/bin/env python3
"""Content check benchmark: sequential `jupyter nbconvert --execute` (what
course teams run in CI today) against `campushub content check`, on the same
course, in one run.

    sudo python benchmarks/content_check.py [--notebooks 8] [--rounds 3] [--json out.json]

The course is generated: lesson-like notebooks that import numpy and pandas,
build a small frame, compute and print. Both tools use the site's default
environment (built by `campushub env build` / `up`), so they run the same
interpreter and packages (the check's runner, nbclient, is
that environment's too; only the kernels run in the sandbox). nbconvert
runs the notebooks one after another, as a CI job does; the check runs them
with its defaults (one worker per core, each kernel in its own sandbox and
cgroup). Rounds alternate the two tools, so load
from elsewhere falls on both alike. Prints the wall times of every round, the
medians and the speed-up, then the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campushub.config import validate  # noqa: E402
from campushub.deploy.local import environments  # noqa: E402
from tests.content.course_factory import make_course  # noqa: E402

LESSON = [
    "import numpy as np\nimport pandas as pd",
    "rng = np.random.default_rng(0)\ndf = pd.DataFrame({'x': rng.normal(size=20000), 'g': rng.integers(0, 10, 20000)})",
    "summary = df.groupby('g')['x'].agg(['mean', 'std', 'count'])\nsummary.head()",
    "sum(i * i for i in range(300000))",
]


def nbconvert(env: Path, course: Path, out: Path) -> float:
    started = time.monotonic()
    for nb in sorted(course.rglob("*.ipynb")):
        subprocess.run([str(env / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                        "--output-dir", str(out), str(nb)], check=True, capture_output=True)
    return time.monotonic() - started


def content_check(env: Path, course: Path, out: Path) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "campushub", "content", "check", str(course),
                    "--python", str(env / "bin" / "python"), "--out", str(out)], check=True, capture_output=True)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the check runs notebooks as nobody in cgroups")
    config = validate({})
    env = environments.built_default_env(config) or \
        environments.default_env_dir(config, environments.ensure_environments(config))
    work = Path(tempfile.mkdtemp(prefix="content-bench-"))
    try:
        course = make_course(work / "course", {f"{i:02d}-lesson": LESSON for i in range(1, args.notebooks + 1)})
        times: dict[str, list[float]] = {"nbconvert": [], "campushub": []}
        for r in range(args.rounds):
            times["nbconvert"].append(nbconvert(env, course, work / f"nbconvert-{r}"))
            times["campushub"].append(content_check(env, course, work / f"check-{r}"))
            print(f"round {r + 1}: nbconvert {times['nbconvert'][-1]:.1f} s, "
                  f"campushub content check {times['campushub'][-1]:.1f} s", flush=True)
        medians = {k: statistics.median(v) for k, v in times.items()}
        result = {"notebooks": args.notebooks, "cores": os.cpu_count(), "rounds": args.rounds, "seconds": times,
                  "median_seconds": medians, "speedup": round(medians["nbconvert"] / medians["campushub"], 2)}
        print(f"\n{args.notebooks} notebooks, {os.cpu_count()} cores: sequential nbconvert "
              f"{medians['nbconvert']:.1f} s, campushub content check {medians['campushub']:.1f} s "
              f"(median of {args.rounds}) -> {result['speedup']}x")
        print(json.dumps(result, indent=1))
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
