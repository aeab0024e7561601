"""The summary of a run: per-metric statistics per hub, CampusHub/stock ratios, the table."""

from __future__ import annotations

import statistics

from .common import stats

METRICS = [
    # (key, phase, field, label, unit)
    ("new_ready", "new", "ready_s", "1 new user: spawn -> ready", "s"),
    ("new_listen", "new", "listen_s", "1 new user: spawn -> server listening", "s"),
    ("new_result", "new", "result_s", "1 new user: spawn -> first result", "s"),
    ("single_ready", "single", "ready_s", "1 user: spawn -> ready", "s"),
    ("single_result", "single", "result_s", "1 user: spawn -> first result", "s"),
    ("single_exec", "single", "exec_s", "1 user: spawn -> server process exists", "s"),
    ("single_listen", "single", "listen_s", "1 user: spawn -> server listening", "s"),
    ("single_notice", "single", "notice_s", "1 user: listening -> hub sees it ready", "s"),
    ("many_ready", "many", "ready_s", "{n} users: spawn -> ready (each)", "s"),
    ("many_result", "many", "result_s", "{n} users: spawn -> first result (each)", "s"),
    ("many_exec", "many", "exec_s", "{n} users: spawn -> server process exists", "s"),
    ("many_listen", "many", "listen_s", "{n} users: spawn -> server listening", "s"),
    ("many_notice", "many", "notice_s", "{n} users: listening -> hub sees it ready", "s"),
    ("many_makespan", "many", "@makespan_s", "{n} users: all results (makespan)", "s"),
    ("idle_rss", ("single", "new"), "rss_mib", "idle server+kernel RSS (1 user)", "MiB"),
    ("idle_pss", ("single", "new"), "pss_mib", "idle server+kernel PSS (1 user)", "MiB"),
    ("many_rss", "many", "rss_mib", "idle server+kernel RSS ({n} users, each)", "MiB"),
    ("many_pss", "many", "pss_mib", "idle server+kernel PSS ({n} users, each)", "MiB"),
    ("single_cpu", ("single", "new"), "cpu_s", "CPU of server+kernel until idle (1 user)", "s"),
    ("single_sys", ("single", "new"), "sys_s", "  of which kernel-mode (system) CPU", "s"),
    ("many_cpu", "many", "cpu_s", "CPU of server+kernel until idle ({n} users, each)", "s"),
    ("single_throttled", ("single", "new"), "throttled_s", "time held back by the cgroup CPU limit (1 user)", "s"),
    ("many_throttled", "many", "throttled_s", "time held back by the cgroup CPU limit ({n} users)", "s"),
    ("single_idle_cpu", ("single", "new"), "idle_cpu_pct", "idle server+kernel CPU use (1 user)", "% core"),
    ("single_wait", ("single", "new"), "sched_wait_s", "time runnable but waiting for a CPU (1 user)", "s"),
    ("many_wait", "many", "sched_wait_s", "time runnable but waiting for a CPU ({n} users, each)", "s"),
    ("single_hubcpu", ("single", "new"), "@hub_proxy_cpu_s", "CPU of the hub + proxy for that (1 user)", "s"),
    ("many_hubcpu", "many", "@hub_proxy_cpu_s", "CPU of the hub + proxy for that ({n} users)", "s"),
    ("single_foreign", ("single", "new"), "@foreign_pct", "CPU used by other processes meanwhile (1 user)", "%"),
    ("many_foreign", "many", "@foreign_pct", "CPU used by other processes meanwhile ({n} users)", "%"),
    ("single_stop", ("single", "new"), "@stop_s", "stop 1 server until its processes are gone", "s"),
    ("many_stop", "many", "@stop_s", "stop {n} servers until their processes are gone", "s"),
]

PAIRED = [("new", "ready_s"), ("new", "listen_s"), ("new", "result_s"),
          ("single", "ready_s"), ("single", "listen_s"), ("single", "result_s"),
          ("many", "ready_s"), ("many", "listen_s"), ("many", "result_s")]


def paired_ratios(phases: list[dict]) -> dict:
    """CampusHub/stock ratio of medians for each back-to-back pair of phases, then their median.

    Each pair ran seconds apart, so this is the comparison least disturbed by
    other load on the machine; the pooled medians above mix quiet and busy minutes.
    """
    out = {}
    pairs = [(a, b) for a, b in zip(phases, phases[1:], strict=False)
             if a["target"] == "stock" and b["target"] == "campushub"
             and a["phase"] == b["phase"] and a["round"] == b["round"]]
    for kind, fld in PAIRED:
        ratios = []
        for a, b in pairs:
            if a["phase"] != kind:
                continue
            va = [x[fld] for x in a["samples"] if not x["error"] and x.get(fld) is not None]
            vb = [x[fld] for x in b["samples"] if not x["error"] and x.get(fld) is not None]
            if va and vb:
                ratios.append(round(statistics.median(vb) / statistics.median(va), 3))
        if ratios:
            out[f"{kind}_{fld[:-2]}"] = {"ratios": ratios, "median": round(statistics.median(ratios), 3)}
    return out


def summarize(phases: list[dict]) -> dict:
    out: dict = {}
    for label in ("stock", "campushub"):
        mine = [p for p in phases if p["target"] == label]
        s = {}
        for key, phase, fld, _, _ in METRICS:
            kinds = phase if isinstance(phase, tuple) else (phase,)
            chosen = [p for p in mine if p["phase"] in kinds]
            if fld.startswith("@"):  # one value per phase; a makespan only when every spawn succeeded
                values = [p.get(fld[1:]) for p in chosen
                          if fld != "@makespan_s" or not any(x["error"] for x in p["samples"])]
            else:
                values = [x.get(fld) for p in chosen for x in p["samples"] if not x["error"]]
            s[key] = stats(values)
        s["failed_spawns"] = sum(1 for p in mine for x in p["samples"] if x["error"])
        out[label] = s
    out["ratio_campushub_over_stock_median"] = {
        key: round(out["campushub"][key]["median"] / out["stock"][key]["median"], 3)
        for key, *_ in METRICS
        if out["stock"].get(key) and out["campushub"].get(key) and out["stock"][key]["median"]
    }
    out["paired_ratio_campushub_over_stock"] = paired_ratios(phases)
    return out


def table(summary: dict, users: int) -> str:
    head = f"{'metric':52} {'stock med / p90 / max':>24} {'campushub med / p90 / max':>27} {'ratio':>6}"
    lines = [head, "-" * len(head)]

    def cell(s):
        if not s:
            return "-"
        return f"{s['median']:.2f} / {s['p90']:.2f} / {s['max']:.2f}"

    for key, _, _, label, unit in METRICS:
        st, ch = summary["stock"].get(key), summary["campushub"].get(key)
        if not st and not ch:
            continue  # a phase this run did not have (no `many` phase with --users 1)
        ratio = summary["ratio_campushub_over_stock_median"].get(key)
        name = f"{label.format(n=users)} [{unit}]"
        lines.append(f"{name:52} {cell(st):>24} {cell(ch):>27} {ratio if ratio else '-':>6}")
    lines.append(f"{'failed spawns':52} {summary['stock']['failed_spawns']:>24} "
                 f"{summary['campushub']['failed_spawns']:>27}")
    paired = summary.get("paired_ratio_campushub_over_stock") or {}
    if paired:
        lines.append("")
        lines.append("CampusHub/stock, phase pairs run back to back (median of per-pair ratios; each pair):")
        for key, v in paired.items():
            lines.append(f"  {key:16} {v['median']:6.3f}   {' '.join(f'{r:.2f}' for r in v['ratios'])}")
    return "\n".join(lines)
