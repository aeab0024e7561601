"""Medians and percentiles per hub, the targets of issue 14, and the table."""

from __future__ import annotations

import statistics

from ..analytics.report import percentile  # nearest rank

TARGETS = ("campushub", "stock")
RESTART_MARGIN_S = 0.5   # issue 14: CampusHub answers within stock's restart time plus this
USERS_P95_MS = 50.0      # issue 14: GET /hub/api/users?limit=200 p95 under this


def _stats(values: list[float], digits: int) -> dict | None:
    if not values:
        return None
    return {"n": len(values), "median": round(statistics.median(values), digits),
            "p95": round(percentile(values, 95), digits), "min": round(min(values), digits),
            "max": round(max(values), digits)}


def summarize(phases: list[dict]) -> dict:
    out: dict = {}
    for target in TARGETS:
        restarts = [p for p in phases if p["target"] == target and p["phase"] == "restart"]
        latencies = [ms for p in phases if p["target"] == target and p["phase"] == "users_api"
                     for ms in p["samples_ms"]]
        out[target] = {"restart_api_s": _stats([p["api_s"] for p in restarts], 3),
                       "restart_up_done_s": _stats([p["up_done_s"] for p in restarts if "up_done_s" in p], 3),
                       "users_api_ms": _stats(latencies, 2)}
    campus, stock = out["campushub"], out["stock"]
    checks = {}
    if campus["restart_api_s"] and stock["restart_api_s"]:
        limit = stock["restart_api_s"]["median"] + RESTART_MARGIN_S
        checks["restart"] = {"campushub_median_s": campus["restart_api_s"]["median"], "limit_s": round(limit, 3),
                             "met": campus["restart_api_s"]["median"] <= limit}
    if campus["users_api_ms"]:
        checks["users_api_p95"] = {"campushub_p95_ms": campus["users_api_ms"]["p95"], "limit_ms": USERS_P95_MS,
                                   "met": campus["users_api_ms"]["p95"] < USERS_P95_MS}
    out["targets"] = checks
    return out


def _cell(stats: dict | None, key: str, unit: str) -> str:
    return "-" if not stats else f"{stats[key]:g}{unit}"


def table(result: dict) -> str:
    summary = result["summary"]
    rows = [("restart: up -> GET /hub/api/ answers, median", "restart_api_s", "median", " s"),
            ("restart: up -> GET /hub/api/ answers, max", "restart_api_s", "max", " s"),
            ("restart: `campushub up` done (services too), median", "restart_up_done_s", "median", " s"),
            ("GET /hub/api/users?limit=200, p50", "users_api_ms", "median", " ms"),
            ("GET /hub/api/users?limit=200, p95", "users_api_ms", "p95", " ms")]
    people = result.get("people", {})
    lines = [f"{people.get('users', '?')} users in {people.get('groups', '?')} groups "
             f"({people.get('memberships', '?')} memberships, {people.get('admins', '?')} admins)",
             "| measure | stock JupyterHub | CampusHub |", "| --- | ---: | ---: |"]
    for label, field, key, unit in rows:
        lines.append(f"| {label} | {_cell(summary['stock'][field], key, unit)} | "
                     f"{_cell(summary['campushub'][field], key, unit)} |")
    for name, check in summary.get("targets", {}).items():
        lines.append(f"target {name}: {'met' if check['met'] else 'NOT met'} ({check})")
    return "\n".join(lines)
