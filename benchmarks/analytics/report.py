"""The numbers: per side median and p95, the difference of medians with a bootstrap interval; the table."""

from __future__ import annotations

import math
import random
import statistics

SIDES = ("on", "off")
TARGET_MS = 2.0  # issue 13: the per-cell overhead must stay under 2 ms median


def percentile(values: list[float], q: float) -> float | None:
    """Nearest rank."""
    if not values:
        return None
    ranked = sorted(values)
    return ranked[max(0, math.ceil(q / 100 * len(ranked)) - 1)]


def side_stats(values: list[float]) -> dict | None:
    if not values:
        return None
    return {"n": len(values), "median_ms": round(statistics.median(values), 3),
            "p95_ms": round(percentile(values, 95), 3), "mean_ms": round(statistics.fmean(values), 3),
            "min_ms": round(min(values), 3), "max_ms": round(max(values), 3)}


def bootstrap_median_difference(on: list[float], off: list[float], resamples: int = 2000,
                                seed: int = 13) -> dict | None:
    """median(on) - median(off) and its 95% percentile-bootstrap interval (each side resampled on its own)."""
    if not on or not off:
        return None
    rng = random.Random(seed)
    diffs = sorted(statistics.median(rng.choices(on, k=len(on))) - statistics.median(rng.choices(off, k=len(off)))
                   for _ in range(resamples))
    low, high = diffs[int(0.025 * resamples)], diffs[min(resamples - 1, int(0.975 * resamples))]
    return {"ms": round(statistics.median(on) - statistics.median(off), 3), "ci95_ms": [round(low, 3), round(high, 3)],
            "resamples": resamples}


def paired_blocks(phases: list[dict], field: str) -> float | None:
    """Median over neighbouring on/off blocks of their medians' difference: drift cancels within a pair."""
    by_pair: dict[int, dict[str, list[float]]] = {}
    for p in phases:
        by_pair.setdefault(p["pair"], {})[p["side"]] = [s[field] for s in p["samples"]]
    diffs = [statistics.median(d["on"]) - statistics.median(d["off"]) for d in by_pair.values()
             if d.get("on") and d.get("off")]
    return round(statistics.median(diffs), 3) if diffs else None


def summarize(phases: list[dict]) -> dict:
    out: dict = {}
    for field in ("done_ms", "reply_ms"):
        values = {side: [s[field] for p in phases if p["side"] == side for s in p["samples"]] for side in SIDES}
        out[field] = {**{side: side_stats(values[side]) for side in SIDES},
                      "difference_of_medians": bootstrap_median_difference(values["on"], values["off"]),
                      "paired_block_median_difference_ms": paired_blocks(phases, field)}
    errors = sum(1 for p in phases for s in p["samples"] if s["status"] != "ok")
    out["executions"] = {side: sum(len(p["samples"]) for p in phases if p["side"] == side) for side in SIDES}
    out["non_ok_replies"] = errors
    diff = out["done_ms"]["difference_of_medians"]
    out["target_ms"] = TARGET_MS
    out["under_target"] = None if diff is None else diff["ms"] < TARGET_MS
    return out


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def table(result: dict) -> str:
    s = result["summary"]
    lines = ["per cell execution (`pass`), ms   extension on   extension off   on - off (95% CI)"]
    for field, label in (("done_ms", "request -> reply + idle"), ("reply_ms", "request -> execute_reply")):
        d = s[field]
        on, off, diff = d["on"] or {}, d["off"] or {}, d["difference_of_medians"]
        ci = f"{_fmt(diff['ms'])} [{_fmt(diff['ci95_ms'][0])}, {_fmt(diff['ci95_ms'][1])}]" if diff else "-"
        lines.append(f"  {label:<27} median {_fmt(on.get('median_ms')):>7}   {_fmt(off.get('median_ms')):>13}   {ci}")
        lines.append(f"  {'':<27} p95    {_fmt(on.get('p95_ms')):>7}   {_fmt(off.get('p95_ms')):>13}"
                     f"   paired blocks {_fmt(d['paired_block_median_difference_ms'])}")
    lines.append(f"  executions: on {s['executions']['on']}, off {s['executions']['off']}; "
                 f"replies not ok: {s['non_ok_replies']}")
    if "server_cpu_ms_per_execution" in result:
        cpu = result["server_cpu_ms_per_execution"]
        lines.append(f"  server + kernel CPU per execution: on {_fmt(cpu['on'])} ms, off {_fmt(cpu['off'])} ms")
    if "records" in result:
        lines.append(f"  records received from the on server: {result['records']['on']}; "
                     f"from the off server: {result['records']['off']}")
    verdict = {True: "under", False: "NOT under", None: "no verdict on"}[s["under_target"]]
    lines.append(f"  median overhead {verdict} the {s['target_ms']:g} ms target")
    return "\n".join(lines)
