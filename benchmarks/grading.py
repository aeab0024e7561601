#!/usr/bin/env python3
"""Autograding throughput: `nbgrader autograde` against CampusHub's grading
engine (sandbox on), on the same submissions, in one run.

    sudo python benchmarks/grading.py [--submissions 40] [--rounds 1] [--json out.json]

The assignment is the test fixture tests/assignments/fixtures/ps1 (two
notebooks, a data file, visible and hidden tests, partial credit). Each
learner submits the source's answers; every third one a wrong `squares`,
every fifth a `clamp` that raises, so both tools grade passing and failing
cells. nbgrader runs in a throwaway course folder with its own gradebook
(generate_assignment, then autograde of every submission, timed), its
kernel the site's default environment, as CampusHub's is (a kernelspec in a
temporary JUPYTER_PATH). CampusHub grades with its defaults: one worker per
core, every notebook on a fresh kernel in bubblewrap as `nobody` in its own
cgroup; its time runs from creating the Grader (runners and first kernels
starting) to the last score. Both tools' points per learner are checked to
agree. Rounds alternate which tool goes first, so load from elsewhere falls
on both alike. Prints submissions per minute (medians) for both and the
ratio, then the JSON.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from campushub.config import validate  # noqa: E402
from campushub.deploy.local import environments  # noqa: E402

FIXTURE = ROOT / "tests" / "assignments" / "fixtures" / "ps1"
WRONG = {"squares": "def squares(n):\n    return [i * i for i in range(n)]\n",
         "clamp": "def clamp(x, lo, hi):\n    raise NotImplementedError()\n"}


def submissions(count: int) -> dict[str, dict[str, bytes]]:
    """Learner -> submitted files (the source's answers, some wrong on purpose)."""
    source = {p.name: nbformat.read(p, as_version=4) for p in sorted(FIXTURE.glob("*.ipynb"))}
    out = {}
    for i in range(count):
        wrong = {k for k, every in (("squares", 3), ("clamp", 5)) if i % every == 0}
        files = {}
        for name, nb in source.items():
            nb = nbformat.from_dict(json.loads(json.dumps(nb)))
            for cell in nb.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id in wrong:
                    cell.source = WRONG[grade_id]
            files[name] = nbformat.writes(nb).encode()
        out[f"learner{i:03d}"] = files
    return out


def nbgrader_run(env: Path, subs: dict, work: Path) -> tuple[float, dict[str, float]]:
    course = work / "course"
    shutil.copytree(FIXTURE, course / "source" / "ps1")
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\nc.CourseDirectory.course_id = 'bench'\n")
    kernels = work / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(env / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    run_env = {**os.environ, "JUPYTER_PATH": str(work / "jupyter"), "JUPYTER_CONFIG_DIR": str(work / "config"),
               "JUPYTER_DATA_DIR": str(work / "data"), "HOME": str(work),
               "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', os.defpath)}"}  # nbgrader runs alembic
    nbgrader = [str(Path(sys.executable).parent / "nbgrader")]
    subprocess.run([*nbgrader, "generate_assignment", "ps1", "--force"], cwd=course, env=run_env, check=True,
                   capture_output=True)
    for learner, files in subs.items():
        folder = course / "submitted" / learner / "ps1"
        (folder / "data").mkdir(parents=True)
        shutil.copy(FIXTURE / "data" / "numbers.csv", folder / "data" / "numbers.csv")
        for name, data in files.items():
            (folder / name).write_bytes(data)
        (folder / "timestamp.txt").write_text("2026-11-30 12:00:00.000000 UTC")
    started = time.monotonic()
    subprocess.run([*nbgrader, "autograde", "ps1", "--create"], cwd=course, env=run_env, check=True,
                   capture_output=True)
    seconds = time.monotonic() - started
    totals = {}
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for learner in subs:
            totals[learner] = round(gb.find_submission("ps1", learner).code_score, 3)
    return seconds, totals


def campushub_run(env: Path, subs: dict, work: Path, workers: int | None = None) -> tuple[float, dict[str, float]]:
    from campushub.assignments.grading.engine import Grader
    source = {p.name: p.read_bytes() for p in sorted(FIXTURE.glob("*.ipynb"))}
    data = {"data/numbers.csv": (FIXTURE / "data" / "numbers.csv").read_bytes()}
    started = time.monotonic()
    grader = Grader(str(env / "bin" / "python"), workers=workers, scratch_root=work / "scratch")
    try:
        with ThreadPoolExecutor(len(grader.workers)) as pool:
            outcomes = dict(zip(subs, pool.map(lambda files: grader.grade(source, files, data), subs.values()),
                                    strict=True))
        seconds = time.monotonic() - started
    finally:
        grader.close()
    totals = {}
    for learner, outcome in outcomes.items():
        if outcome.error:
            raise SystemExit(f"{learner}: {outcome.error}")
        totals[learner] = round(sum(c.auto_points or 0 for cells in outcome.scores.values() for c in cells
                                    if c.kind == "tests"), 3)
    return seconds, totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=1, help="rounds alternate which tool goes first")
    parser.add_argument("--workers", type=int, help="CampusHub's grading workers (default: one per core)")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("run as root: the grader runs kernels as nobody in cgroups")
    config = validate({})
    env = environments.built_default_env(config) or \
        environments.default_env_dir(config, environments.ensure_environments(config))
    subs = submissions(args.submissions)
    tools = {"nbgrader": nbgrader_run,
             "campushub": lambda env, subs, work: campushub_run(env, subs, work, args.workers)}
    seconds: dict[str, list[float]] = {name: [] for name in tools}
    load: dict[str, list[float]] = {name: [] for name in tools}
    differ: set[str] = set()
    for r in range(args.rounds):
        work = Path(tempfile.mkdtemp(prefix="grading-bench-"))
        try:
            totals = {}
            for name in (tools if r % 2 == 0 else reversed(tools)):
                took, totals[name] = tools[name](env, subs, work / name)
                seconds[name].append(round(took, 2))
                # the 1-minute load average after each phase: other work on the machine shows here
                load[name].append(round(os.getloadavg()[0], 1))
                print(f"round {r + 1}: {name} {len(subs)} submissions in {took:.1f} s "
                      f"(load average {load[name][-1]})", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        differ |= {k for k in subs if totals["nbgrader"][k] != totals["campushub"][k]}
    medians = {name: statistics.median(v) for name, v in seconds.items()}
    rates = {name: 60 * len(subs) / medians[name] for name in tools}
    result = {"submissions": len(subs), "notebooks_each": 2, "cores": os.cpu_count(), "rounds": args.rounds,
              "campushub_workers": args.workers or os.cpu_count(),
              "seconds": seconds, "median_seconds": medians, "load_average_after": load,
              "per_minute": {k: round(v, 1) for k, v in rates.items()},
              "ratio": round(rates["campushub"] / rates["nbgrader"], 2), "scores_differ": sorted(differ)}
    print(f"\n{len(subs)} submissions, {os.cpu_count()} cores (median of {args.rounds}): nbgrader autograde "
          f"{rates['nbgrader']:.1f}/min, campushub {rates['campushub']:.1f}/min -> {result['ratio']}x"
          f"{'' if not differ else f'; SCORES DIFFER for {sorted(differ)}'}")
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
