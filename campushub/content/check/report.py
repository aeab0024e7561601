"""The check's outputs: a JSON report, a Markdown summary, an HTML page, and
the resource recommendation as a policy snippet for campushub.yaml."""

from __future__ import annotations

import html
import json
import math

from .outcome import Result, clean

MIB, GIB = 2**20, 2**30
HEADROOM = 1.5          # kernels grow with data; a limit at the measured peak would kill them
MEMORY_STEP = 256 * MIB
MIN_MEMORY = 512 * MIB
CPU_GUARANTEE_RATIO = 1 / 3


def recommend(results: list[Result]) -> dict:
    """Limits that every notebook fits in, with headroom; guarantees as the policies default them."""
    measured = [r for r in results if r.status == "passed"] or results
    peak = max((r.peak_memory for r in measured), default=0)
    memory = max(MIN_MEMORY, math.ceil(peak * HEADROOM / MEMORY_STEP) * MEMORY_STEP)
    # cores used while running: CPU seconds per wall second, at the busiest notebook
    busy = max((r.cpu_seconds / r.wall_seconds for r in measured if r.wall_seconds > 0), default=0.0)
    cpu = max(0.5, math.ceil(busy * 2) / 2)
    return {"cpu": cpu, "memory": memory, "cpu_guarantee": round(cpu * CPU_GUARANTEE_RATIO, 3),
            "memory_guarantee": memory, "peak_memory": peak, "busiest_cores": round(busy, 2)}


def size(n: int) -> str:
    return f"{round(n / GIB, 2):g}G" if n >= GIB else f"{math.ceil(n / MIB)}M"


def policy_snippet(rec: dict, group: str = "learners") -> str:
    return (
        "# campushub.yaml: measured by `campushub content check` (limits with headroom;\n"
        "# the CPU guarantee is a third of the limit, memory is guaranteed in full)\n"
        "policies:\n"
        "  cpu_guarantee_ratio: 0.3333\n"
        "  memory_guarantee_ratio: 1\n"
        "  groups:\n"
        f"    {group}:\n"
        f"      cpu: {{min: 0.5, max: {rec['cpu']:g}, default: {rec['cpu']:g}}}\n"
        f"      memory: {{min: 512M, max: {size(rec['memory'])}, default: {size(rec['memory'])}}}\n"
    )


FILES = {"json": "report.json", "markdown": "report.md", "html": "report.html"}


def render(source: str, results: list[Result], group: str = "learners", skipped: list[str] = ()) -> dict[str, str]:
    """The three reports, by file name."""
    rec = recommend(results)
    data = {"source": source, "passed": all(r.status == "passed" for r in results),
            "failed": sum(r.status != "passed" for r in results), "total": len(results),
            "notebooks": [r.to_dict() for r in results], "recommendation": rec,
            "policy_snippet": policy_snippet(rec, group), "skipped": list(skipped)}
    return {FILES["json"]: json.dumps(data, indent=1) + "\n", FILES["markdown"]: _markdown(data),
            FILES["html"]: _html(data)}


def verdict(failed: int, total: int) -> str:
    if not failed:
        return f"All {total} notebooks passed" if total != 1 else "The notebook passed"
    return f"{failed} of {total} notebooks failed" if total != 1 else "The notebook failed"


def _problem(r: dict) -> str:
    if r["status"] == "passed":
        return ""
    where = f"cell {r['cell']}: " if r.get("cell") is not None else ""
    what = f"{r['ename']}: {r['evalue']}" if r.get("ename") else r.get("error", "")
    return f"{where}{what}".strip()


def _markdown(data: dict) -> str:
    lines = [f"# Content check of {clean(data['source'], False)}", "",
             f"**{verdict(data['failed'], data['total'])}**", "",
             "| notebook | result | wall s | CPU s | peak memory | problem |", "| --- | --- | --- | --- | --- | --- |"]
    for r in data["notebooks"]:
        problem = _cell(_problem(r))
        lines.append(f"| {_cell(r['notebook'])} | {r['status']} | {r['wall_seconds']:.1f} | {r['cpu_seconds']:.1f} | "
                     f"{size(r['peak_memory'])} | {problem} |")
    if data["skipped"]:
        lines += ["", "Left out of the copy the notebooks ran on:", ""]
        lines += [f"- {clean(s, False)}" for s in data["skipped"]]
    lines += ["", "## Recommended resources", "", "```yaml", data["policy_snippet"].rstrip(), "```", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return clean(text, False).replace("|", "\\|")


def _html(data: dict) -> str:
    rows = "".join(
        f"<tr class=\"{'table-success' if r['status'] == 'passed' else 'table-danger'}\">"
        f"<td>{html.escape(r['notebook'])}</td><td>{html.escape(r['status'])}</td><td>{r['wall_seconds']:.1f}</td><td>{r['cpu_seconds']:.1f}</td>"
        f"<td>{size(r['peak_memory'])}</td><td><code>{html.escape(_problem(r))}</code></td></tr>"
        for r in data["notebooks"])
    summary = verdict(data["failed"], data["total"])
    skipped = "".join(f"<li>{html.escape(note)}</li>" for note in data["skipped"])
    if skipped:
        skipped = f"<p>Left out of the copy the notebooks ran on:</p><ul>{skipped}</ul>"
    heads = "".join(f"<th>{h}</th>" for h in ("notebook", "result", "wall s", "CPU s", "peak memory", "problem"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Content check</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #dee2e6;padding:.35rem .6rem;text-align:left}}
.table-success{{background:#d1e7dd}}.table-danger{{background:#f8d7da}}pre{{background:#f6f8fa;padding:1rem}}</style>
</head><body><h1>Content check of {html.escape(data['source'])}</h1>
<p><strong>{html.escape(summary)}</strong></p>
<table><thead><tr>{heads}</tr></thead>
<tbody>{rows}</tbody></table>{skipped}
<h2>Recommended resources</h2><pre>{html.escape(data['policy_snippet'])}</pre></body></html>
"""
