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


def test_classroom_modules_import_and_options_check_class_sizes():
    import benchmarks.classroom

    names = [m.name for m in pkgutil.iter_modules(benchmarks.classroom.__path__, "benchmarks.classroom.")]
    assert {"benchmarks.classroom.__main__", "benchmarks.classroom.learner", "benchmarks.classroom.crowd",
            "benchmarks.classroom.lesson"} <= set(names)
    for name in names:
        importlib.import_module(name)
    from benchmarks.classroom.__main__ import parse as parse_classroom

    args = parse_classroom(["--users", "20,60,100", "--window", "60"])
    assert args.users == [20, 60, 100] and args.rounds == 1
    for bad in (["--users", "0"], ["--users", "twenty"], ["--rounds", "0"]):
        with pytest.raises(SystemExit):
            parse_classroom(bad)


def test_classroom_arrivals_spread_over_the_window():
    from benchmarks.classroom.crowd import arrivals

    assert arrivals(4, 60, None) == [0, 15, 30, 45]
    assert arrivals(1, 60, None) == [0.0]
    seeded = arrivals(50, 60, 7)
    assert seeded == arrivals(50, 60, 7) and seeded == sorted(seeded) and 0 <= seeded[0] and seeded[-1] <= 60
    assert seeded != arrivals(50, 60, 8)


def learners(results: list[float | None], path: str | None = None) -> list[dict]:
    return [{"user": f"l{i}", "ready_s": None if r is None else r - 1, "result_s": r, "spawn_s": 0.1,
             "spawn_to_ready_s": None if r is None else r - 1.1, "pss_mib": 70.0 if r else None,
             "spawn_path": path, "error": "timed out" if r is None else None} for i, r in enumerate(results)]


def a_class(target: str, results: list[float | None], path: str | None = None, rnd: int = 1) -> dict:
    return {"target": target, "phase": "class", "users": len(results), "round": rnd, "hub_cpu_s": 10.0,
            "hub_proxy_cpu_s": 12.0, "client_cpu_pct": 3.0, "learner_pss_mib": 1400.0,
            "samples": learners(results, path)}


def test_classroom_summary_counts_failures_as_infinitely_slow():
    from benchmarks.classroom.report import percentile, summarize, table

    assert percentile([1, 2, 3, 4], 50) == 2 and percentile([], 95) is None
    one_failed = [float(i) for i in range(1, 20)] + [None]          # 19 of 20: p95 (19th) is a time
    two_failed = [float(i) for i in range(1, 19)] + [None, None]    # 18 of 20: p95 lands on a failure
    summary = summarize([a_class("stock", two_failed, "exec"), a_class("campushub", one_failed, "fork server"),
                         a_class("campushub", [2.0] * 20, "fork server", rnd=2)])
    stock, campus = summary["stock"]["20"], summary["campushub"]["20"]
    assert (stock["succeeded"], stock["learners"], stock["result_p95"]) == (18, 20, float("inf"))
    assert (campus["succeeded"], campus["learners"]) == (39, 40)  # two rounds pooled
    # 38th of 40: 1, twenty-one 2s, 3..19, one failure
    assert campus["result_p95"] == 18.0 and campus["spawn_paths"] == {"fork server": 40}
    assert campus["idle_pss_per_learner_mib"] == 70.0 and campus["hub_cpu_s"] == 10.0
    text = table(summary)
    assert "ready p50/p95" in text and "18/20" in text and "/ fail" in text and "40 fork server" in text
