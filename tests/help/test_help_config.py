"""The help: section of campushub.yaml (campushub/config/help.py and the schema)."""

from __future__ import annotations

import pytest

from campushub import config as site_config
from campushub.config import help as help_config


def test_defaults_serve_the_shipped_guides_alone():
    config = site_config.defaults()
    assert config["help"] == {"enabled": True, "port": None, "pages_dir": None, "title": None}
    assert help_config.enabled(config) and help_config.pages_dir(config) is None
    assert help_config.title(config, "en") == "Your organisation"
    assert help_config.title(config, "ja") == "所属機関の案内"


def test_a_site_sets_its_pages_and_titles():
    config = site_config.loads("help:\n  pages_dir: /srv/help\n  port: 812\n"
                               "  title: {en: Our campus, ja: 本学の案内}\n")
    assert str(help_config.pages_dir(config)) == "/srv/help"
    titles = [help_config.title(config, lang) for lang in ("en", "ja", "ru")]
    assert titles == ["Our campus", "本学の案内", "Our campus"]


@pytest.mark.parametrize("text, line, message", [
    ("help:\n  pages_dir: srv/help\n", 2, "help.pages_dir: got 'srv/help'; expected an absolute path starting with /"),
    ("help:\n  title: {ja: 本学}\n", 2, "help.title: 'en' is a required property"),
    ("help:\n  title: {en: A, de: B}\n", 2, "help.title: unknown key 'de'"),
    ("help:\n  port: 0\n", 2, "help.port"),
    ("help:\n  colour: red\n", 2, "help: unknown key 'colour'"),
])
def test_bad_settings_are_refused_with_key_and_line(text, line, message):
    with pytest.raises(site_config.ConfigError) as e:
        site_config.loads(text)
    assert f"line {line}: {message}" in str(e.value), str(e.value)


def test_the_help_port_is_no_other_port_of_the_site():
    with pytest.raises(site_config.ConfigError) as e:
        site_config.loads("hub:\n  hub_port: 700\nhelp:\n  port: 700\n")
    assert "help.port: got 700, which hub.hub_port uses too; choose another port or leave it null" in str(e.value)
    with pytest.raises(site_config.ConfigError) as e:
        site_config.loads("jobs:\n  enabled: true\n  port: 701\nhelp:\n  port: 701\n")
    assert "which help.port uses too" in str(e.value) or "which jobs.port uses too" in str(e.value)
    with pytest.raises(site_config.ConfigError) as e:
        site_config.loads("help:\n  port: 702\nanalytics:\n  port: 702\n")
    assert "help.port: got 702, which analytics.port uses too" in str(e.value)
    # a help portal that is off keeps no port from anyone
    site_config.loads("help:\n  enabled: false\n  port: 702\nanalytics:\n  port: 702\n")
