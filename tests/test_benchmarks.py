"""The benchmarks are not run by the suite (minutes, as root, two hubs), but they
must keep importing as CampusHub's modules change (a function of the proxy module
that moved broke the spawn benchmark once), and their summary must stay right."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import benchmarks.spawn
from benchmarks.spawn.__main__ import parse
from benchmarks.spawn.report import summarize, table


def test_every_benchmark_module_imports():
    names = [m.name for m in pkgutil.iter_modules(benchmarks.spawn.__path__, "benchmarks.spawn.")]
    assert {"benchmarks.spawn.__main__", "benchmarks.spawn.hubs", "benchmarks.spawn.stock"} <= set(names)
    for name in [*names, "benchmarks.content_check", "benchmarks.grading"]:
        importlib.import_module(name)


def test_options_that_no_longer_apply_are_gone():
    assert parse(["--users", "1", "--rounds", "1"]).users == 1
    for gone in (["--scale-parent-weight"], ["--cpu-limit", "1"]):
        with pytest.raises(SystemExit):
            parse(gone)


def phase(target: str, kind: str, ready: list[float], rnd: int = 1) -> dict:
    samples = [{"user": f"u{i}", "ready_s": r, "result_s": r + 1, "error": None} for i, r in enumerate(ready)]
    return {"target": target, "phase": kind, "round": rnd, "samples": samples, "makespan_s": max(ready) + 1}


def test_summary_pairs_back_to_back_phases_and_leaves_out_missing_ones():
    phases = [phase("stock", "single", [4.0]), phase("campushub", "single", [3.0]),
              phase("stock", "single", [2.0], 2), phase("campushub", "single", [3.0], 2)]
    summary = summarize(phases)
    assert summary["stock"]["single_ready"]["median"] == 3.0
    assert summary["paired_ratio_campushub_over_stock"]["single_ready"] == {"ratios": [0.75, 1.5], "median": 1.125}
    text = table(summary, 1)
    assert "1 user: spawn -> ready" in text and "users: spawn -> ready (each)" not in text  # no `many` phase


def test_grading_benchmark_submissions_mix_right_and_wrong_answers():
    import nbformat

    from benchmarks.grading import WRONG, submissions

    subs = submissions(6)
    assert list(subs) == [f"learner{i:03d}" for i in range(6)] and all(len(f) == 2 for f in subs.values())
    nb = nbformat.reads(subs["learner000"]["problem1.ipynb"].decode(), as_version=4)
    assert WRONG["squares"] in [c.source for c in nb.cells] and WRONG["clamp"] in [c.source for c in nb.cells]
    assert subs["learner001"]["problem1.ipynb"] != subs["learner003"]["problem1.ipynb"]  # 3: a wrong squares
