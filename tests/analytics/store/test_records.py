"""records.validate: clean copies of good records; for a bad batch one
translatable line naming the first bad record and field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campushub.analytics.records import MAX_RECORDS, RecordError, validate
from campushub.i18n import translate

from .data import execution, report, sync


def test_clean_copies():
    record = {**execution("c1", 0), "source": "print('secret')", "outputs": ["x"]}
    (clean,) = validate([record])
    assert clean["time"] == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert "source" not in clean and "outputs" not in clean  # never stored, whatever is sent
    assert clean["cell"] == "c1" and clean["duration_ms"] == 1000.0
    assert validate([report(["a"]), sync("ml101", "failed")])[1]["status"] == "failed"
    offset = {**execution(None, 0), "time": "2026-11-30T10:00:00+01:00"}
    assert validate([offset])[0]["time"] == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


BAD = [
    ("id", "ABC", "records[1].id must be 32 lowercase hexadecimal characters (uuid4().hex)."),
    # "$" would also match before a final newline: the id is stored and compared as sent
    ("id", "a" * 32 + "\n", "records[1].id must be 32 lowercase hexadecimal characters (uuid4().hex)."),
    ("kind", "stdout", "records[1].kind must be one of execution, notebook, sync."),
    ("time", "2026-11-30T09:00:00", "records[1].time must be an ISO 8601 time with its zone"),
    ("time", 12, "records[1].time must be an ISO 8601 time"),
    ("path", "", "records[1].path must be a non-empty string of at most 1024 characters."),
    ("cell", "x" * 65, "records[1].cell must be null or a non-empty string of at most 64 characters."),
    ("status", "failed", "records[1].status must be one of ok, error, aborted."),
    ("duration_ms", -1, "records[1].duration_ms must be a number of 0 or more."),
    ("duration_ms", True, "records[1].duration_ms must be a number of 0 or more."),
    ("duration_ms", float("nan"), "records[1].duration_ms must be a number of 0 or more."),
    ("notebook", None, "records[1].notebook must be given exactly when course is"),
]


@pytest.mark.parametrize("field, value, message", BAD)
def test_first_bad_record_and_field_named(field, value, message):
    records = [execution("a", 0), {**execution("b", 1), field: value}, {"id": "bad"}]
    with pytest.raises(RecordError) as raised:
        validate(records)
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_bad_batches():
    for records in ([], {"records": []}, [execution("a", 0)] * (MAX_RECORDS + 1), None):
        with pytest.raises(RecordError, match=f"list of 1 to {MAX_RECORDS} records"):
            validate(records)
    with pytest.raises(RecordError, match=r"records\[0\] is not a JSON object"):
        validate(["text"])
    with pytest.raises(RecordError, match=r"records\[0\]\.cells must be a list"):
        validate([{**report(["a"]), "cells": ["a", 3]}])
    with pytest.raises(RecordError, match=r"records\[0\]\.course must be a non-empty string"):
        validate([{**sync("ml101", "ok"), "course": None}])


def test_message_is_translated():
    with pytest.raises(RecordError) as raised:
        validate([{**execution("a", 0), "status": "bad"}])
    error = raised.value
    japanese = translate("ja", error.message, **error.kwargs)
    assert japanese.startswith("records[0].status") and japanese != str(error)
