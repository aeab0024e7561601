"""How the jobs page writes a record's fields (jobs/web/display.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campushub.i18n import translate
from campushub.jobs import model
from campushub.jobs.web import display


def ja(text, **kw):
    return translate("ja", text, **kw)


def test_every_state_of_the_model_has_a_name_and_a_colour():
    assert set(display.STATES) == set(model.STATES) == set(display.BADGES)
    assert set(display.ACTIVE) == set(model.STATES) - model.FINAL
    assert display.state_text(ja, "oom") == translate("ja", "stopped: out of memory") != "stopped: out of memory"


@pytest.mark.parametrize("seconds,text", [(None, "—"), (0, "0:00"), (59.6, "1:00"), (75.4, "1:15"),
                                          (3600, "1:00:00"), (90061, "25:01:01")])
def test_durations(seconds, text):
    assert display.duration_text(seconds) == text


def test_the_failed_cell_is_counted_from_one_as_people_count():
    assert display.cell_text(ja, 0) == translate("ja", "cell {number}", number=1)
    assert display.cell_text(ja, None) == "—"


def test_memory_parameters_and_times():
    assert display.memory_text(ja, 3 * 2**30) == "3.0 GiB" and display.memory_text(ja, None) == "—"
    assert display.parameters_text({"lr": 0.1, "name": "1", "on": True}) == 'lr=0.1, name="1", on=true'
    assert display.parameters_text({}) == "—"
    moment = datetime(2026, 12, 1, 15, 30, 5, tzinfo=UTC)
    assert {display.time_text(moment), display.time_text(moment.isoformat()),
            display.time_text(moment.timestamp())} == {"2026-12-01 15:30:05 UTC"}
    assert display.time_text(None) == "—"
