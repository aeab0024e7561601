"""Checking a batch of records from the single-user server extension before
anything is stored: the whole batch or nothing (a bad record names itself).

validate() returns clean copies: only the fields we keep (no source, no
outputs can slip in through an extra key), times as aware UTC datetimes.
Unknown extra keys are dropped rather than refused, so an extension newer
than the service does not leave its spool stuck for ever.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from ..i18n import N_
from .store.models import CELL, COURSE, PATH

MAX_RECORDS = 1000
MAX_CELLS = 10000
KINDS = ("execution", "notebook", "sync")
EXECUTION_STATUSES = ("ok", "error", "aborted")
SYNC_STATUSES = ("ok", "failed")
RECORD_ID = re.compile(r"[0-9a-f]{32}")
# Servers' clocks agree with the service's; a record from further ahead would outlive retention_days.
AHEAD = timedelta(days=1)

BAD_BATCH = N_("\"records\" must be a list of 1 to {limit} records; send smaller batches.")
NOT_OBJECT = N_("records[{index}] is not a JSON object; send each record as an object.")
BAD_ID = N_("records[{index}].id must be 32 lowercase hexadecimal characters (uuid4().hex).")
BAD_KIND = N_("records[{index}].kind must be one of {choices}.")
BAD_TIME = N_("records[{index}].time must be an ISO 8601 time with its zone, like 2026-12-01T03:30:00.123Z.")
BAD_TEXT = N_("records[{index}].{field} must be a non-empty string of at most {limit} characters.")
BAD_CHARACTERS = N_("records[{index}].{field} must be text without NUL characters or unpaired surrogates; send it as "
                    "UTF-8.")
BAD_OPTIONAL = N_("records[{index}].{field} must be null or a non-empty string of at most {limit} characters.")
FUTURE_TIME = N_("records[{index}].time is more than a day ahead of the service's clock; check the server's clock.")
BAD_STATUS = N_("records[{index}].status must be one of {choices}.")
BAD_DURATION = N_("records[{index}].duration_ms must be a number of 0 or more.")
BAD_PAIR = N_("records[{index}].notebook must be given exactly when course is (both null outside a course).")
BAD_CELLS = N_("records[{index}].cells must be a list of at most {limit} cell ids, each a string of 1 to {cell} "
               "characters.")


class RecordError(ValueError):
    """``message`` is an English source string marked with N_, ``kwargs`` its
    placeholders, so the web layer answers in the sender's language."""

    def __init__(self, message: str, **kwargs):
        super().__init__(message.format(**kwargs))
        self.message, self.kwargs = message, kwargs


def validate(records) -> list[dict]:
    """Clean copies of ``records``, or RecordError naming the first bad record and field."""
    if not isinstance(records, list) or not 0 < len(records) <= MAX_RECORDS:
        raise RecordError(BAD_BATCH, limit=MAX_RECORDS)
    return [_record(index, record) for index, record in enumerate(records)]


def not_ahead(records: list[dict], now: datetime) -> None:
    """RecordError for the first validated record dated more than AHEAD after ``now``
    (the service's clock; kept out of validate, which checks a record on its own)."""
    for index, record in enumerate(records):
        if record["time"] > now + AHEAD:
            raise RecordError(FUTURE_TIME, index=index)


def _record(index: int, record) -> dict:
    if not isinstance(record, dict):
        raise RecordError(NOT_OBJECT, index=index)
    if not isinstance(record.get("id"), str) or not RECORD_ID.fullmatch(record["id"]):
        raise RecordError(BAD_ID, index=index)
    kind = record.get("kind")
    if kind not in KINDS:
        raise RecordError(BAD_KIND, index=index, choices=", ".join(KINDS))
    clean = {"id": record["id"], "kind": kind, "time": _time(index, record.get("time"))}
    if kind == "execution":
        clean["path"] = _text(index, record, "path", PATH)
        clean["course"] = _text(index, record, "course", COURSE, optional=True)
        clean["notebook"] = _text(index, record, "notebook", PATH, optional=True)
        if (clean["course"] is None) != (clean["notebook"] is None):
            raise RecordError(BAD_PAIR, index=index)
        clean["cell"] = _text(index, record, "cell", CELL, optional=True)
        clean["status"] = _choice(index, record, EXECUTION_STATUSES)
        clean["duration_ms"] = _duration(index, record.get("duration_ms"))
    elif kind == "notebook":
        clean["course"] = _text(index, record, "course", COURSE)
        clean["notebook"] = _text(index, record, "notebook", PATH)
        clean["cells"] = _cells(index, record.get("cells"))
    else:
        clean["course"] = _text(index, record, "course", COURSE)
        clean["status"] = _choice(index, record, SYNC_STATUSES)
    return clean


def _time(index: int, value) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
        parsed = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (TypeError, ValueError, OverflowError):  # OverflowError: out of range once in UTC (year 1 or 9999)
        parsed = None
    if parsed is None:
        raise RecordError(BAD_TIME, index=index)
    return parsed


def _text(index: int, record: dict, field: str, limit: int, optional: bool = False) -> str | None:
    value = record.get(field)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise RecordError(BAD_OPTIONAL if optional else BAD_TEXT, index=index, field=field, limit=limit)
    if not _storable(value):
        raise RecordError(BAD_CHARACTERS, index=index, field=field)
    return value


def _storable(text: str) -> bool:
    """What both databases store: PostgreSQL refuses NUL in text, and an unpaired surrogate (JSON allows
    "\\ud800") cannot be encoded for either. Storing either failed with a 500, which the extension takes
    for "service down": it would send the batch again for ever, holding back every later one."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _choice(index: int, record: dict, choices: tuple[str, ...]) -> str:
    if record.get("status") not in choices:
        raise RecordError(BAD_STATUS, index=index, choices=", ".join(choices))
    return record["status"]


def _duration(index: int, value) -> float:
    # bool is an int to Python, but true is not a duration
    try:  # an int too large for a float is refused too
        number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    except OverflowError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise RecordError(BAD_DURATION, index=index)
    return number


def _cells(index: int, value) -> list[str]:
    if (not isinstance(value, list) or len(value) > MAX_CELLS
            or not all(isinstance(cell, str) and 0 < len(cell) <= CELL for cell in value)):
        raise RecordError(BAD_CELLS, index=index, limit=MAX_CELLS, cell=CELL)
    if not all(_storable(cell) for cell in value):
        raise RecordError(BAD_CHARACTERS, index=index, field="cells")
    return list(value)
