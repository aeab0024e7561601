"""The "New assignment" form read into what the format package and the
store take: a checked name, a one-line title, a UTC due date, and the
uploaded files as a format.source.Source with safe folder-relative paths.
Every check raises format.errors.AssignmentError (one translatable line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath

from tornado import httputil

from ...i18n import N_
from ..format.errors import AssignmentError
from ..format.source import MAX_BYTES, MAX_FILES, SKIPPED_DIRS, Source, relative_path
from ..store.api import BAD_NAME, NAME

BAD_DUE = N_("\"{due}\" is not a date and time: use YYYY-MM-DD HH:MM (UTC), or leave it empty for no due date")
BAD_TITLE = N_("The title must be one line of at most 200 characters.")
NO_FILES = N_("Choose the source notebooks (and any data files) to upload.")
NO_NOTEBOOKS = N_("The upload holds no notebooks: add the assignment's .ipynb source files")
TWICE = N_("{path}: uploaded twice: choose each file once")
TOO_MUCH = N_("The upload holds more files than {count} or more than {size} MiB: choose the folder of one assignment")


def allow_folder_uploads() -> None:
    """Let tornado parse a form holding a whole source folder. Since 6.5.5 it
    refuses a multipart body of more than 100 parts before any handler runs
    (answering a bare 400), and a folder of data files easily has more; the
    folder's own limit (format.source.MAX_FILES) is checked in collect(), and
    room above it lets a somewhat larger folder get that check's one line
    rather than tornado's bare refusal. Process-wide, as tornado offers it;
    the body size stays bounded by max_body."""
    if hasattr(httputil, "set_parse_body_config"):
        config = httputil.ParseBodyConfig()
        config.multipart.max_parts = max(config.multipart.max_parts, 4 * MAX_FILES)
        httputil.set_parse_body_config(config)


@dataclass(frozen=True)
class SourceForm:
    name: str
    title: str
    due: datetime | None
    release: bool
    source: Source


def parse_due(text: str) -> datetime | None:
    """A datetime-local value ("2026-12-01T17:00") or ISO 8601 text; without
    an offset it is UTC, as the form says."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise AssignmentError(BAD_DUE, due=text[:40]) from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _skipped(name: str) -> bool:
    # What load_source skips in a folder: editor leftovers and hidden files,
    # which a browser's folder upload sends along.
    return any((p.startswith(".") and p not in (".", "..")) or p in SKIPPED_DIRS for p in name.split("/"))


def _strip_top(names: list[str]) -> dict[str, str]:
    """Browsers name a folder upload's files "ps1/problem1.ipynb": drop the
    chosen folder's own name so paths are relative to it."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return {n: n.split("/", 1)[1] for n in names}
    return {n: n for n in names}


def collect(files: list, folder: list) -> Source:
    """``files``/``folder``: tornado HTTPFile lists of the two file inputs."""
    uploads = [(f["filename"], f["body"]) for f in files if f["filename"]]
    chosen = [(f["filename"], f["body"]) for f in folder if f["filename"]]
    renamed = _strip_top([n for n, _ in chosen])
    uploads += [(renamed[n], body) for n, body in chosen]
    if not uploads:
        raise AssignmentError(NO_FILES)
    # The limits load_source puts on a source folder, for the same reason.
    if len(uploads) > MAX_FILES or sum(len(body) for _, body in uploads) > MAX_BYTES:
        raise AssignmentError(TOO_MUCH, count=MAX_FILES, size=MAX_BYTES // 2**20)
    notebooks: dict[str, bytes] = {}
    data: dict[str, bytes] = {}
    for name, body in uploads:
        if _skipped(name):
            continue
        path = relative_path(name)
        if path in notebooks or path in data:
            raise AssignmentError(TWICE, path=path)
        (notebooks if PurePosixPath(path).suffix == ".ipynb" else data)[path] = body
    if not notebooks:
        raise AssignmentError(NO_NOTEBOOKS)
    return Source(dict(sorted(notebooks.items())), dict(sorted(data.items())))


def parse_form(values: dict, files: list, folder: list) -> SourceForm:
    name = values["name"]
    if not NAME.match(name):
        raise AssignmentError(BAD_NAME, name=name[:60])
    title = values["title"]
    if len(title) > 200 or "\n" in title or "\r" in title:
        raise AssignmentError(BAD_TITLE)
    due = parse_due(values["due"])
    return SourceForm(name, title or name, due, bool(values["release"]), collect(files, folder))
