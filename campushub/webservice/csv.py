"""CSV our services hand out: RFC 4180 quoting, and safe to open in a
spreadsheet (a cell that starts like a formula is prefixed with an
apostrophe, OWASP's advice against CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# = + - @ start formulas; tab and carriage return can too in some spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(cell: str) -> str:
    """``cell`` made inert for spreadsheets: formula-like text gets a leading '."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def csv_text(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """The CSV of ``rows`` (strings) under ``header``, every cell defused."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([defuse(c) for c in header])
    for row in rows:
        writer.writerow([defuse(c) for c in row])
    return out.getvalue()
