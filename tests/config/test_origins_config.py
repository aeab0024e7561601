"""hub.subdomain_host and apps.share_on_hub_origin: accepted forms, one-line
errors naming key and line, and what sharing apps needs."""

from __future__ import annotations

import pytest

from campushub.config import ConfigError, loads, public_url
from campushub.config import apps as apps_config


def test_by_default_no_subdomains_and_apps_are_not_shareable():
    config = loads("")
    assert config["hub"]["subdomain_host"] is None and config["apps"]["share_on_hub_origin"] is False
    assert not apps_config.sharing_allowed(config)


@pytest.mark.parametrize("text", [
    "hub:\n  subdomain_host: https://hub.example.org\n",
    "hub:\n  subdomain_host: http://hub.localhost:8000\n",
    "apps:\n  share_on_hub_origin: true\n",
])
def test_either_setting_lets_apps_be_shared(text):
    assert apps_config.sharing_allowed(loads(text))


def test_the_hub_is_reached_at_the_subdomain_host():
    assert public_url(loads("hub:\n  subdomain_host: https://hub.example.org\n")) == "https://hub.example.org"
    same = "hub:\n  subdomain_host: https://hub.example.org\n  public_url: https://hub.example.org\n"
    assert public_url(loads(same)) == "https://hub.example.org"


@pytest.mark.parametrize("text, key, line, words", [
    ("hub:\n  subdomain_host: https://10.0.0.5\n", "hub.subdomain_host", 2, "not an IP address"),
    ("hub:\n  subdomain_host: http://localhost:8000\n", "hub.subdomain_host", 2, "wildcard DNS"),
    ("hub:\n  subdomain_host: https://hub.example.org/jupyter\n", "hub.subdomain_host", 2, "no path"),
    ("hub:\n  subdomain_host: hub.example.org\n", "hub.subdomain_host", 2, "scheme and host"),
    ("hub:\n  subdomain_host: https://hub.example.org\n  public_url: https://other.example.org\n",
     "hub.public_url", 3, "leave public_url out"),
    ("hub:\n  subdomain_host: http://hub.example.org\n  https: {cert: /etc/c.pem, key: /etc/k.pem}\n",
     "hub.subdomain_host", 2, "start it with https://"),
    ("apps:\n  share_on_hub_origin: yes please\n", "apps.share_on_hub_origin", 2, "boolean"),
])
def test_bad_settings_are_one_line_naming_key_and_line(text, key, line, words):
    with pytest.raises(ConfigError) as e:
        loads(text, "site.yaml")
    message = str(e.value)
    assert message.startswith(f"site.yaml:{line}: {key}: "), message
    assert words in message and "\n" not in message


@pytest.mark.parametrize("text, said", [
    ("", "apps open for their owners only"),
    ("apps:\n  share_on_hub_origin: true\n", "warning: apps.share_on_hub_origin"),
    ("hub:\n  subdomain_host: https://hub.example.org\n", None),
    ("apps:\n  enabled: false\n", None),
])
def test_config_check_says_whether_apps_can_be_shared(tmp_path, text, said):
    from ..inprocess import campushub

    site = tmp_path / "campushub.yaml"
    site.write_text(text)
    result = campushub("config", "check", str(site))
    assert result.returncode == 0 and "OK" in result.stdout
    lines = result.stdout.strip().splitlines()
    if said is None:
        assert len(lines) == 1, lines
    else:
        assert len(lines) == 2 and said in lines[1], lines
