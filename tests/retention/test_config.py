"""The retention section and courses.<c>.ends: defaults, and errors that name the key and its line."""

from __future__ import annotations

import pytest

from campushub.config import ConfigError, loads

COURSES = """courses:
  ml101:
    learners_group: ml101-learners
    tutors_group: ml101-tutors
    ends: 2026-06-30
"""


def test_defaults_select_nobody_and_apply_nothing():
    config = loads("{}")
    assert config["retention"] == {"enabled": False, "archive_dir": None, "except_groups": [], "rules": [],
                                   "kubernetes": {"archive_volume": {"claim": None, "csi": None,
                                                                     "service_account": None},
                                                  "job_timeout": 3600}}


def test_an_unquoted_date_is_read_as_the_day():
    config = loads(COURSES + "retention:\n  rules:\n    - course_ended_days: 90\n      course: ml101\n")
    assert config["courses"]["ml101"]["ends"] == "2026-06-30"


@pytest.mark.parametrize("text, key, line, words", [
    ("retention:\n  rules:\n    - except_groups: [staff]\n", "retention.rules.0", 3, "at least one of"),
    ("retention:\n  rules:\n    - group: a\n    - course_ended_days: 9\n      course: nope\n",
     "retention.rules.1.course", 5, "no course 'nope'"),
    ("retention:\n  enabled: true\n", "retention.archive_dir", 1, "nowhere to put archives"),
    ("retention:\n  archive_dir: /home/archive\n", "retention.archive_dir", 2, "inside spawner.home_root"),
    ("retention:\n  rules:\n    - inactive_days: 0\n", "retention.rules.0.inactive_days", 3, "at least 1"),
    ("retention:\n  rules:\n    - groups: x\n", "retention.rules.0", 3, "unknown key 'groups'"),
    ("courses:\n  c:\n    learners_group: l\n    tutors_group: t\n    ends: \"2026-02-30\"\n",
     "courses.c.ends", 5, "no day of the calendar"),
    ("courses:\n  c:\n    learners_group: l\n    tutors_group: t\n    ends: next june\n",
     "courses.c.ends", 5, "a date such as"),
])
def test_errors_name_key_and_line(text, key, line, words):
    with pytest.raises(ConfigError) as e:
        loads(text, "site.yaml")
    message = str(e.value)
    assert f"site.yaml:{line}: {key}: " in message, message
    assert words in message and "\n" not in message
