"""What the Grafana dashboard's queries name, and which series exist: the
real hub's (JupyterHub's metrics module, and real scrapes in the stack
tests), CampusHub's own collectors, and the standard Kubernetes series
docs/monitoring.md lists."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "campushub" / "deploy" / "grafana" / "campushub.json"
DOCS = ROOT / "docs" / "monitoring.md"

# PromQL's functions, aggregations and keywords that the dashboard may use
PROMQL = {"sum", "count", "avg", "min", "max", "rate", "irate", "increase", "histogram_quantile", "label_replace",
          "by", "on", "without", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset",
          "topk", "bottomk", "clamp_min", "clamp_max", "abs", "delta", "deriv", "time", "vector", "scalar"}
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
            "summary": ("_count", "_sum", "_created"), "gauge": ("",), "info": ("_info",), "unknown": ("",)}


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def expressions(board: dict) -> list[str]:
    return [t["expr"] for p in board["panels"] for t in p.get("targets", [])]


def metric_names(expr: str) -> set[str]:
    """The series an expression selects: what is left once strings, label
    matchers, ranges, grouping clauses, Grafana variables and numbers are gone."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', " ", expr)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\$\w+", " ", text)
    text = re.sub(r"\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    words = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", text))
    return words - PROMQL


def exposed(families) -> set[str]:
    """The sample names metric families (describe()/collect() results) are exposed under."""
    return {f.name + suffix for f in families for suffix in SUFFIXES[f.type]}


def kubernetes_series() -> set[str]:
    """The standard Kubernetes series docs/monitoring.md lists for the dashboard."""
    section = DOCS.read_text().split("## Scraping, on Kubernetes", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `([a-z_:]+)` \(", section, re.M))
