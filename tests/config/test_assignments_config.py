"""The assignments section: defaults that keep every configuration valid,
when the service runs, and bad values named by key and line."""

import pytest

from campushub.config import ConfigError, defaults, load, loads
from campushub.config.assignments import enabled
from tests.harness import ROOT

COURSE = "courses:\n  ml:\n    learners_group: ml\n    tutors_group: ml-tutors\n"


def test_defaults():
    section = defaults()["assignments"]
    assert section == {"enabled": None, "port": None, "db_url": None, "late": "accept",
                       "max_notebook_size": "5M", "workers": None, "timeout": 300, "memory": "1G", "cpu": 1,
                       "pids": 256, "stderr_harmless": False, "storage": "10G"}


@pytest.mark.parametrize("path", sorted(ROOT.glob("examples/*/campushub.yaml")), ids=lambda p: p.parent.name)
def test_every_example_stays_valid(path):
    assert load(path)["assignments"]["late"] in ("accept", "refuse")


def test_runs_when_a_course_exists_unless_turned_off():
    assert not enabled(loads(""))
    assert enabled(loads(COURSE))
    assert not enabled(loads(COURSE + "assignments:\n  enabled: false\n"))
    assert enabled(loads("assignments:\n  enabled: true\n"))


def test_good_values_are_kept():
    config = loads(COURSE + "assignments:\n  late: refuse\n  max_notebook_size: 512K\n  workers: 4\n"
                   "  memory: 2G\n  cpu: 0.5\n  pids: 64\n  stderr_harmless: true\n  port: 700\n"
                   "  db_url: postgresql://grader@db/assignments\n")["assignments"]
    assert (config["late"], config["workers"], config["cpu"], config["port"]) == ("refuse", 4, 0.5, 700)
    assert config["stderr_harmless"] is True


@pytest.mark.parametrize("body, key, hint", [
    ("  late: maybe\n", "assignments.late", "accept, refuse"),
    ("  workers: 0\n", "assignments.workers", "at least 1"),
    ("  timeout: 1\n", "assignments.timeout", "at least 5"),
    ("  port: 70000\n", "assignments.port", "at most 65535"),
    ("  memory: 10M\n", "assignments.memory", "at least 64M"),
    ("  memory: lots\n", "assignments.memory", "512M"),
    ("  max_notebook_size: 100\n", "assignments.max_notebook_size", "at least"),
    ("  max_notebook_size: 5X\n", "assignments.max_notebook_size", "5M"),
    ("  db_url: mysql://x/y\n", "assignments.db_url", "postgresql://"),
    ("  cpu: 0\n", "assignments.cpu", "more than 0"),
    ("  pids: 2\n", "assignments.pids", "at least 16"),
    ("  stderr_harmless: sometimes\n", "assignments.stderr_harmless", "boolean"),
    ("  graders: 3\n", "assignments", "allowed keys"),
])
def test_bad_values_name_key_and_line(body, key, hint):
    text = COURSE + "assignments:\n  enabled: true\n" + body
    with pytest.raises(ConfigError) as e:
        loads(text, "site.yaml")
    assert e.value.key == key
    assert e.value.line == 7, str(e.value)
    assert hint in str(e.value)
    assert f"site.yaml:7: {key}:" in str(e.value)
