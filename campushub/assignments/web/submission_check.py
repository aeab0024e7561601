"""What a learner's upload must be before it becomes a version: the
assignment's notebooks, each a valid notebook within the size limit, named
safely, before the due date when late work is refused. Every check runs
before the store is touched, so a refusal stores nothing. Pure functions:
the page (web/learner_submit.py) and any other door for submissions can share them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath

from ...i18n import N_
from ..format.errors import AssignmentError
from ..format.source import SKIPPED_DIRS, read_notebook, relative_path

NOTHING = N_("Choose the assignment's notebooks to upload first.")
NOT_OURS = N_("{path}: not a notebook of this assignment: upload {expected}")
TWICE = N_("{path}: uploaded twice: choose each notebook once")
MISSING = N_("{notebook} is missing: upload every notebook of the assignment together "
             "(each submission is one whole version)")
TOO_LARGE = N_("{path} is larger than the limit of {limit}: clear large outputs, save, and upload it again")
PAST_DUE = N_("The due date ({due}) has passed and this course takes no late submissions.")


def human_size(n: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} B"


def is_late(due: datetime | None, now: datetime | None = None) -> bool:
    return due is not None and (now or datetime.now(UTC)) > due


def check_deadline(due: datetime | None, policy: str, now: datetime | None = None) -> bool:
    """Whether the submission is late; AssignmentError when late ones are refused."""
    late = is_late(due, now)
    if late and policy == "refuse":
        raise AssignmentError(PAST_DUE, due=due.strftime("%Y-%m-%d %H:%M UTC"))
    return late


def match_uploads(notebooks: list[str], uploads: list[tuple[str, bytes]], limit: int) -> dict[str, bytes]:
    """The uploaded files keyed by the assignment's notebook paths.

    Browsers send base names, so a file matches a notebook by its path or,
    when that is unambiguous, by its base name. Editor leftovers
    (.ipynb_checkpoints, hidden files) are ignored as a folder upload may
    carry them; anything else that is not one of the notebooks is refused.
    """
    if not uploads:
        raise AssignmentError(NOTHING)
    by_base: dict[str, list[str]] = {}
    for nb in notebooks:
        by_base.setdefault(PurePosixPath(nb).name, []).append(nb)
    expected = ", ".join(notebooks)
    files: dict[str, bytes] = {}
    for raw, data in uploads:
        parts = str(raw).replace("\\", "/").split("/")
        if any(p.startswith(".") and p not in (".", "..") or p in SKIPPED_DIRS for p in parts):
            continue
        path = relative_path(raw)
        target = path if path in notebooks else (by_base.get(PurePosixPath(path).name) or [None, None])
        if isinstance(target, list):
            target = target[0] if len(target) == 1 else None
        if target is None:
            raise AssignmentError(NOT_OURS, path=path, expected=expected)
        if target in files:
            raise AssignmentError(TWICE, path=path)
        if len(data) > limit:
            raise AssignmentError(TOO_LARGE, path=path, limit=human_size(limit))
        read_notebook(path, data)
        files[target] = data
    if not files:
        raise AssignmentError(NOTHING)
    for nb in notebooks:
        if nb not in files:
            raise AssignmentError(MISSING, notebook=nb)
    return files
