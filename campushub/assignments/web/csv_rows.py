"""The grades CSV: one row per learner and assignment, through
webservice/csv.py (RFC 4180 quoting, formula-like cells defused)."""

from __future__ import annotations

from datetime import datetime

from ...webservice.csv import csv_text as table_csv
from ...webservice.csv import defuse

COLUMNS = ("learner", "assignment", "version", "submitted_at", "late", "auto", "manual", "total", "max",
           "status")


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
    return table_csv(COLUMNS, (row_cells(row) for row in rows))
