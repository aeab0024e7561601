"""Per-cell source diff between two versions of a learner's notebook.

Cells are aligned with difflib on a key per cell (nbgrader's grade id when the
cell has one, else its source), so an inserted cell shows as one added cell
instead of shifting every later cell into a "changed" pair."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import nbformat

MAX_ALIGN = 1000 * 1000  # cells x cells aligned by content; real notebooks have a few hundred cells
MAX_LINES = 5000 * 5000  # lines x lines of one cell


@dataclass
class CellChange:
    state: str  # "added" | "removed" | "changed"
    label: str  # grade id or "cell N" (1-based, in the newer version when there is one)
    lines: list[tuple[str, str]] = field(default_factory=list)  # (kind: "+"|"-"|" "|"@", text)


@dataclass
class NotebookDiff:
    path: str
    changes: list[CellChange]
    unchanged: int  # cells equal in both versions


def _cells(raw: bytes | None) -> list:
    if raw is None:
        return []
    try:
        return list(nbformat.reads(raw.decode("utf-8"), as_version=4).cells)
    except Exception:  # a malformed notebook diffs as empty rather than failing the page
        return []


def _key(cell) -> tuple:
    grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
    return (cell.get("cell_type"), ("id", grade_id) if grade_id else ("src", cell.get("source", "")))


def _label(cell, index: int) -> str:
    grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
    return grade_id or f"#{index + 1}"


def _lines(old: str, new: str) -> list[tuple[str, str]]:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if len(old_lines) * len(new_lines) > MAX_LINES:  # as MAX_ALIGN: the one cell shown replaced whole
        return [("-", line) for line in old_lines] + [("+", line) for line in new_lines]
    out = []
    for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        out.append(("@" if line.startswith("@@") else line[0], line[1:] if line[:1] in "+- " else line))
    return out


def diff_notebook(path: str, old_raw: bytes | None, new_raw: bytes | None) -> NotebookDiff:
    old, new = _cells(old_raw), _cells(new_raw)
    if len(old) * len(new) > MAX_ALIGN:
        # Aligning costs up to len(old) x len(new) and more: a learner's notebook of thousands of
        # look-alike cells would hold the service for minutes. Past the bound, cells pair by position.
        opcodes = [("replace", 0, len(old), 0, len(new))]
    else:
        opcodes = difflib.SequenceMatcher(a=[_key(c) for c in old], b=[_key(c) for c in new],
                                          autojunk=False).get_opcodes()
    changes, unchanged = [], 0
    for op, i1, i2, j1, j2 in opcodes:
        pairs = list(zip(range(i1, i2), range(j1, j2), strict=False)) if op in ("equal", "replace") else []
        for i, j in pairs:
            a, b = old[i].get("source", ""), new[j].get("source", "")
            if a == b:
                unchanged += 1
            else:
                changes.append(CellChange("changed", _label(new[j], j), _lines(a, b)))
        for i in range(i1 + len(pairs), i2):
            changes.append(CellChange("removed", _label(old[i], i), _lines(old[i].get("source", ""), "")))
        for j in range(j1 + len(pairs), j2):
            changes.append(CellChange("added", _label(new[j], j), _lines("", new[j].get("source", ""))))
    return NotebookDiff(path, changes, unchanged)


def diff_versions(old_files: dict[str, bytes], new_files: dict[str, bytes]) -> list[NotebookDiff]:
    """One NotebookDiff per notebook path present in either version."""
    paths = sorted(p for p in old_files.keys() | new_files.keys() if p.endswith(".ipynb"))
    return [diff_notebook(p, old_files.get(p), new_files.get(p)) for p in paths]
