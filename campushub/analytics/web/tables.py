"""A page's tables as one thing the page shows and the CSV hands out, so the
two cannot disagree: each cell is formatted to text once, here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ...webservice.csv import csv_text


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def percent(value) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


@dataclass
class Table:
    """``columns``: (key, English heading marked N_); ``rows``: dicts by key;
    ``formats``: key -> function for cells that are not plain values;
    ``links``: key -> function(row) giving the cell's link on the page."""

    name: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict]
    formats: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)

    def cells(self, row: dict) -> list[str]:
        return [self.formats.get(key, cell_text)(row.get(key)) for key, _ in self.columns]

    def text_rows(self) -> list[list[str]]:
        return [self.cells(row) for row in self.rows]

    def page_rows(self) -> list[list[tuple[str, str | None]]]:
        """Each row's (text, link or None) cells."""
        out = []
        for row in self.rows:
            links = [self.links[key](row) if key in self.links else None for key, _ in self.columns]
            out.append(list(zip(self.cells(row), links, strict=True)))
        return out

    def csv(self) -> str:
        return csv_text([key for key, _ in self.columns], self.text_rows())
