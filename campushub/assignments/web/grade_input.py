"""Validation of what tutors type into the grading forms. Each error is one
English source line (marked with N_) plus its placeholders, translated by the
handler; nothing is written unless every field of a form is valid."""

from __future__ import annotations

import math

from ...i18n import N_

MAX_COMMENT = 10_000
MAX_REASON = 2_000


class InputError(Exception):
    def __init__(self, message: str, **kwargs):
        super().__init__(message.format(**kwargs) if kwargs else message)
        self.message, self.kwargs = message, kwargs


def _fmt(value: float) -> str:
    return f"{value:g}"


def parse_points(text: str | None, max_points: float, grade_id: str) -> float | None:
    """Points for one manual cell: blank means "not graded yet" (None); a
    decimal comma is accepted, as people type it in Russian."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        points = float(text)
    except ValueError:
        points = math.nan
    if not math.isfinite(points) or not 0 <= points <= max_points:
        raise InputError(N_("{grade_id}: points must be a number from 0 to {max}."),
                         grade_id=grade_id, max=_fmt(max_points))
    return points


def parse_comment(text: str | None, grade_id: str) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise InputError(N_("{grade_id}: the comment is too long (at most {limit} characters)."),
                         grade_id=grade_id, limit=MAX_COMMENT)
    return text or None


def parse_reason(text: str | None) -> str:
    """The resubmission reason: required, one line as the store keeps it."""
    text = " ".join((text or "").split())
    if not text:
        raise InputError(N_("Give a reason for the resubmission request."))
    if len(text) > MAX_REASON:
        raise InputError(N_("The reason is too long (at most {limit} characters)."), limit=MAX_REASON)
    return text


def parse_grades(form: dict[str, list[str]], manual_cells: dict[tuple[str, str], float]) -> list[tuple]:
    """The grade form, all fields checked before anything is stored.
    ``form`` holds parallel lists notebook/grade_id/points/comment;
    ``manual_cells`` maps (notebook, grade id) -> max points.
    Returns [(notebook, grade_id, points | None, comment | None)]."""
    notebooks, ids = form.get("notebook", []), form.get("grade_id", [])
    points, comments = form.get("points", []), form.get("comment", [])
    if not ids or not len(notebooks) == len(ids) == len(points) == len(comments):
        raise InputError(N_("The grading form was incomplete: reload the page and try again."))
    out, seen = [], set()
    for notebook, grade_id, p, c in zip(notebooks, ids, points, comments, strict=True):
        key = (notebook, grade_id)
        if key not in manual_cells or key in seen:
            raise InputError(N_("{grade_id} is not a manually graded cell of this assignment: reload the page."),
                             grade_id=grade_id[:80])
        seen.add(key)
        out.append((notebook, grade_id, parse_points(p, manual_cells[key], grade_id), parse_comment(c, grade_id)))
    return out
