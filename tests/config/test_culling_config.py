"""The culling section: its old place under kubernetes: still read (with a
warning, once), both places an error naming both, a warning that could not
come before its cull refused, and a person's limits from their groups."""

from __future__ import annotations

import logging

import pytest

from campushub.config import ConfigError, load, loads, merge, validate
from campushub.config import culling as culling_config
from campushub.config.culling import Limits, activity_interval, limits_for

OLD = "kubernetes:\n  namespace: jhub\n  culling:\n    timeout: 7200\n    cull_admins: false\n"


def test_the_old_place_is_read_as_culling_with_one_warning(caplog, monkeypatch):
    monkeypatch.setattr(culling_config, "_warned", set())
    with caplog.at_level(logging.WARNING, "campushub.config"):
        config = loads(OLD, "site.yaml")
        again = loads(OLD, "site.yaml")
    assert config["culling"]["timeout"] == 7200 and config["culling"]["cull_admins"] is False
    assert config["culling"]["interval"] == 300  # the rest: the new section's defaults
    assert "culling" not in config["kubernetes"]  # one place left to read
    assert again == config
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("site.yaml:3: kubernetes.culling") and "move it" in warnings[0]


def test_both_places_is_one_line_naming_both_keys_and_lines():
    text = "culling:\n  timeout: 600\n" + OLD
    with pytest.raises(ConfigError) as e:
        loads(text, "site.yaml")
    message = str(e.value)
    assert message.startswith("site.yaml:1: culling: also set as kubernetes.culling (line 5)"), message
    assert "\n" not in message


def test_the_old_place_is_checked_like_the_new_one():
    with pytest.raises(ConfigError) as e:
        loads("kubernetes:\n  culling:\n    timeout: 5\n", "site.yaml")
    assert str(e.value) == "site.yaml:3: kubernetes.culling.timeout: got 5; must be at least 30"


@pytest.mark.parametrize("text, key, line", [
    ("culling:\n  timeout: 100\n", "culling.warning", 1),  # the default warning, 300 s, is longer
    ("culling:\n  warning: 60\n  groups:\n    guests: {timeout: 60}\n", "culling.warning", 2),
    ("culling:\n  groups:\n    analysts: {timeout: 29}\n", "culling.groups.analysts.timeout", 3),
    ("culling:\n  groups:\n    analysts: {idle: 600}\n", "culling.groups.analysts", 3),
])
def test_bad_culling_settings_name_key_and_line(text, key, line):
    with pytest.raises(ConfigError) as e:
        loads(text, "site.yaml")
    assert str(e.value).startswith(f"site.yaml:{line}: {key}: "), str(e.value)
    assert "\n" not in str(e.value)


def test_no_warning_needs_no_check():
    assert loads("culling:\n  timeout: 30\n  warning: 0\n")["culling"]["timeout"] == 30
    assert loads("culling:\n  enabled: false\n  timeout: 30\n")["culling"]["enabled"] is False


SITE = validate({"culling": {"timeout": 1800, "max_age": 86400, "cull_admins": False, "groups": {
    "analysts": {"timeout": 28800},
    "night": {"timeout": 7200, "max_age": 0},
    "guests": {"timeout": 600, "max_age": 3600},
}}})


@pytest.mark.parametrize("groups, admin, expected", [
    ((), False, Limits(1800, 86400)),
    (("unrelated",), False, Limits(1800, 86400)),
    (("guests",), False, Limits(600, 3600)),  # an override may be shorter than the site's
    (("guests", "analysts"), False, Limits(28800, 3600)),  # longest timeout; max_age only guests set
    (("guests", "night"), False, Limits(7200, None)),  # max_age 0: no limit, the longest of all
    (("analysts",), True, Limits(None, None)),  # cull_admins false: never
])
def test_a_persons_limits_are_the_longest_of_their_groups(groups, admin, expected):
    assert limits_for(SITE, groups, admin) == expected


def test_turned_off_nobody_has_limits():
    assert limits_for(validate({"culling": {"enabled": False}}), ()) == Limits(None, None)


def test_activity_is_fresh_enough_for_the_shortest_timeout():
    assert activity_interval(validate({})) == 300  # JupyterHub's own default for an hour
    assert activity_interval(SITE) == 150  # guests: 600 s
    assert activity_interval(validate({"culling": {"timeout": 30, "warning": 0}})) == 7


def test_no_file_and_a_command_line_override_validate_again():
    # `up --port 8123` with no --config (scripts/bootstrap.sh on a fresh machine) re-validates the
    # defaults with the override; the old key's null default made that fail
    config = validate(merge(load(None), {"hub": {"port": 8123}}), path="command line")
    assert config["hub"]["port"] == 8123 and "culling" not in config["kubernetes"]
    assert config["culling"]["enabled"] is True
