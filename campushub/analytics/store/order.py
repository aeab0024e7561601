"""A course notebook's canonical cell order, from the orders learners reported.

Learners add, delete and move cells in their copies, so no single copy is
the notebook. A cell id counts when at least half of the learners who
reported the notebook have it, and cells go by the median of their positions
in those copies: one learner's extra cells neither join the funnel nor shift
the others.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import median


def canonical(reports: list[list[str]]) -> list[str]:
    """Cell ids in canonical order from each learner's reported order."""
    positions: dict[str, list[int]] = defaultdict(list)
    for cells in reports:
        seen = set()
        for index, cell in enumerate(cells):
            if cell not in seen:  # a copy with a repeated id: its first place counts
                seen.add(cell)
                positions[cell].append(index)
    kept = [cell for cell, found in positions.items() if 2 * len(found) >= len(reports)]
    return sorted(kept, key=lambda cell: (median(positions[cell]), -len(positions[cell]), cell))


def by_notebook(rows) -> dict[str, list[str]]:
    """{notebook: canonical order} from (notebook, cells) rows of one course."""
    reports: dict[str, list[list[str]]] = defaultdict(list)
    for notebook, cells in rows:
        reports[notebook].append(cells)
    return {notebook: canonical(found) for notebook, found in reports.items()}
