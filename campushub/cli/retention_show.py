"""How `campushub retention` shows plans, results and the audit log."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..retention.backend import printable
from ..retention.model import ARCHIVE, Plan


def shown(text: str) -> str:
    """Text from the hub or a home (names a person chose) for a table: no markup, no control characters."""
    return escape(printable(text))


def size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def plan(console: Console, p: Plan) -> None:
    if not p.items:
        console.print("No one is selected by the retention rules: nothing to archive or delete.")
        return
    table = Table("user", "rule", "why selected", "home", "files", "size", "action", title="Retention plan")
    for item in p.items:
        home = item.home
        amount = size(home.bytes) if home.bytes is not None or not home.capacity else f"{home.capacity} claim"
        if item.action == ARCHIVE:
            action = f"archive to {shown(item.archive or '(retention.archive_dir not set)')}, verify, delete"
        else:
            action = f"[yellow]skip[/]: {shown(item.why)}"
        table.add_row(shown(item.user.name), str(item.rule + 1), shown(item.reason), shown(home.location),
                      "?" if home.files is None else str(home.files), amount, action)
    console.print(table)
    totals = p.to_json()["totals"]
    console.print(f"{totals['archive']} home(s) to archive and delete ({totals['files']} files, "
                  f"{size(totals['bytes'])}); {totals['skip']} skipped. Hub users are kept: a person can log in "
                  "again, and `campushub retention restore USER` brings their home back.")


def results(console: Console, rows: list[dict]) -> None:
    table = Table("user", "outcome", "archive", "note", title="Retention applied")
    colour = {"deleted": "green", "skipped": "yellow", "failed": "red"}
    for row in rows:
        outcome = row["outcome"]
        note = row.get("why") or ""
        if outcome == "failed":
            note = f"{row['step']}: {note} ({'home kept' if row.get('home_kept', True) else 'home partly deleted'})"
        table.add_row(shown(row["user"]), f"[{colour[outcome]}]{outcome}[/]", shown(row.get("archive") or ""),
                      shown(note))
    console.print(table)


def log(console: Console, lines: list[dict]) -> None:
    table = Table("time", "action", "user", "by", "details", title="Retention audit log")
    for line in lines:
        details = {k: v for k, v in line.items() if k not in ("time", "action", "user", "by", "claim", "users")}
        text = ", ".join(f"{k}={v}" for k, v in sorted(details.items()))
        table.add_row(line.get("time", ""), line.get("action", ""), shown(str(line.get("user") or "")),
                      shown(str(line.get("by", ""))), shown(text))
    console.print(table)
