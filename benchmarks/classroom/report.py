"""The classroom summary: per hub and class size, successes, percentiles, CPU and memory; the table."""

from __future__ import annotations

import math
import statistics

HUBS = ("stock", "campushub")


def percentile(values: list[float | None], q: float) -> float | None:
    """Nearest-rank percentile over ALL learners, a failed one counting as infinitely slow.

    So p95 is a real time only when at least 95% succeeded; otherwise inf.
    None when there are no learners at all.
    """
    if not values:
        return None
    ranked = sorted(math.inf if v is None else v for v in values)
    return ranked[max(0, math.ceil(q / 100 * len(ranked)) - 1)]


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def _key(phase: dict) -> str:
    return "single" if phase["phase"] == "single" else f"{phase['users']}"


def _succeeded(s: dict) -> bool:
    return not s["error"] and s.get("result_s") is not None


def _times(samples: list[dict], field: str) -> list[float | None]:
    """One value per learner; None for one who failed (percentile() counts them as infinitely slow)."""
    return [s.get(field) if _succeeded(s) else None for s in samples]


def summarize_class(group: list[dict]) -> dict:
    """The same class size on one hub, its rounds pooled: learners' times together, costs as medians."""
    samples = [s for p in group for s in p["samples"]]
    ok = [s for s in samples if _succeeded(s)]
    paths: dict[str, int] = {}
    for s in samples:
        if s.get("spawn_path"):
            paths[s["spawn_path"]] = paths.get(s["spawn_path"], 0) + 1
    return {
        "classes": len(group), "learners": len(samples), "succeeded": len(ok),
        "ready_p50": percentile(_times(samples, "ready_s"), 50),
        "ready_p95": percentile(_times(samples, "ready_s"), 95),
        "result_p50": percentile(_times(samples, "result_s"), 50),
        "result_p95": percentile(_times(samples, "result_s"), 95),
        "spawn_ready_median": _median(s.get("spawn_to_ready_s") for s in ok),
        "ready_result_median": _median(s["result_s"] - s["ready_s"] for s in ok if s.get("ready_s") is not None),
        "max_queue_place": max((s.get("queue_place") or 0 for s in samples), default=0) or None,
        "hub_cpu_s": _median(p["hub_cpu_s"] for p in group),
        "hub_proxy_cpu_s": _median(p["hub_proxy_cpu_s"] for p in group),
        "forkserver_cpu_s": _median(p.get("forkserver_cpu_s") for p in group),
        "client_cpu_pct": _median(p["client_cpu_pct"] for p in group),
        "learner_pss_mib": _median(p["learner_pss_mib"] for p in group),
        "idle_pss_per_learner_mib": _median(s.get("pss_mib") for s in ok),
        "forkserver_pss_mib": _median(p.get("forkserver_pss_mib") for p in group),
        "foreign_pct": _median(p.get("foreign_pct") for p in group),
        "spawn_paths": paths,
    }


def summarize(phases: list[dict]) -> dict:
    """{hub: {"single"|"N": summarize_class(...)}}."""
    out: dict = {h: {} for h in HUBS}
    for hub in HUBS:
        groups: dict[str, list[dict]] = {}
        for p in phases:
            if p["target"] == hub:
                groups.setdefault(_key(p), []).append(p)
        out[hub] = {key: summarize_class(group) for key, group in groups.items()}
    return out


def _t(v) -> str:
    if v is None:
        return "-"
    return "fail" if v == math.inf else f"{v:.2f}"


def _v(v, fmt="{:.1f}") -> str:
    return "-" if v is None else fmt.format(v)


COLUMNS = ["hub", "learners", "ok", "ready p50/p95", "result p50/p95", "spawn->ready", "hub CPU",
           "hub+proxy CPU", "fork server CPU", "learner PSS", "PSS/learner", "client CPU", "spawn path"]


def rows(summary: dict) -> list[list[str]]:
    keys = sorted({k for h in HUBS for k in summary.get(h, {})}, key=lambda k: -1 if k == "single" else int(k))
    out = []
    for key in keys:
        for hub in HUBS:
            s = summary.get(hub, {}).get(key)
            if not s:
                continue
            paths = ", ".join(f"{n} {p}" for p, n in sorted(s["spawn_paths"].items())) or "-"
            out.append([
                hub, "1 (single)" if key == "single" else key, f"{s['succeeded']}/{s['learners']}",
                f"{_t(s['ready_p50'])} / {_t(s['ready_p95'])}", f"{_t(s['result_p50'])} / {_t(s['result_p95'])}",
                _t(s["spawn_ready_median"]), _v(s["hub_cpu_s"]), _v(s["hub_proxy_cpu_s"]),
                _v(s["forkserver_cpu_s"]) if hub == "campushub" else "-",
                _v(s["learner_pss_mib"], "{:.0f}") + (f" (+{s['forkserver_pss_mib']:.0f})"
                                                      if s.get("forkserver_pss_mib") else ""),
                _v(s["idle_pss_per_learner_mib"], "{:.0f}"),
                _v(s["client_cpu_pct"], "{:.0f}%"), paths,
            ])
    return out


def table(summary: dict) -> str:
    body = rows(summary)
    widths = [max(len(c), *(len(r[i]) for r in body)) if body else len(c) for i, c in enumerate(COLUMNS)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([
        "times in s from arriving at the login page (p95 'fail': more than 5% did not get a result);",
        "CPU in CPU-s per class (client: % of one core); PSS in MiB (learner PSS: all learners, idle, after the class;",
        "(+N): the fork server parents' own PSS, whose pages the forked servers share)",
        line(COLUMNS), line(["-" * w for w in widths]), *(line(r) for r in body)])
