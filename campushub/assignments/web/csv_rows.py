"""The grades CSV: one row per learner and assignment, RFC 4180 quoting, and
safe to open in a spreadsheet (a cell that starts like a formula is prefixed
with an apostrophe, OWASP's advice against CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

COLUMNS = ("learner", "assignment", "version", "submitted_at", "late", "auto", "manual", "total", "max",
           "status")
# = + - @ start formulas; tab and carriage return can too in some spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _number(value) -> str:
    if value is None:
        return ""
    return f"{float(value):g}"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def defuse(cell: str) -> str:
    """``cell`` made inert for spreadsheets: formula-like text gets a leading '."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def row_cells(row: dict) -> list[str]:
    submitted = row.get("version") is not None
    cells = [
        _text(row.get("learner")),
        _text(row.get("assignment")),
        _text(row.get("version")),
        _text(row.get("submitted_at")),
        ("true" if row.get("late") else "false") if submitted else "",
        _number(row.get("auto")),
        _number(row.get("manual")),
        _number(row.get("total")),
        _number(row.get("max_points")),
        _text(row.get("status")),
    ]
    return [defuse(c) for c in cells]


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row_cells(row))
    return out.getvalue()
