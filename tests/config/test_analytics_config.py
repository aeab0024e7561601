"""The analytics section: defaults, when the service runs, and bad values
named by key and line."""

import subprocess
import sys

import pytest

from campushub.config import ConfigError, defaults, loads
from campushub.config.analytics import enabled


def test_defaults():
    assert defaults()["analytics"] == {"enabled": True, "port": None, "db_url": None, "retention_days": 365,
                                       "poll_interval": 60, "flush_interval": 5, "storage": "5G"}


def test_runs_on_every_site_unless_turned_off():
    # no course needed: the platform's figures are worth having anywhere
    assert enabled(loads(""))
    assert not enabled(loads("analytics:\n  enabled: false\n"))


def test_good_values_are_kept():
    section = loads("analytics:\n  port: 705\n  db_url: postgresql://a@db/analytics\n  retention_days: 0\n"
                    "  poll_interval: 3600\n  flush_interval: 1\n")["analytics"]
    assert section == {"enabled": True, "port": 705, "db_url": "postgresql://a@db/analytics", "retention_days": 0,
                       "poll_interval": 3600, "flush_interval": 1, "storage": "5G"}


@pytest.mark.parametrize("body, key, hint", [
    ("  enabled: sometimes\n", "analytics.enabled", "boolean"),
    ("  port: 0\n", "analytics.port", "at least 1"),
    ("  db_url: mysql://x/y\n", "analytics.db_url", "postgresql://"),
    ("  retention_days: -1\n", "analytics.retention_days", "at least 0"),
    ("  retention_days: 3651\n", "analytics.retention_days", "at most 3650"),
    ("  poll_interval: 9\n", "analytics.poll_interval", "at least 10"),
    ("  poll_interval: 3601\n", "analytics.poll_interval", "at most 3600"),
    ("  flush_interval: 0\n", "analytics.flush_interval", "at least 1"),
    ("  flush_interval: 301\n", "analytics.flush_interval", "at most 300"),
    ("  flush_interval: soon\n", "analytics.flush_interval", "integer"),
    ("  keep_sources: true\n", "analytics", "allowed keys"),
])
def test_bad_values_name_key_and_line(body, key, hint):
    with pytest.raises(ConfigError) as e:
        loads("hub:\n  port: 8000\nanalytics:\n  # what the site records\n" + body, "site.yaml")
    assert e.value.key == key
    assert e.value.line == 5, str(e.value)
    assert hint in str(e.value) and "site.yaml" in str(e.value)


@pytest.mark.parametrize("other", ["hub:\n  hub_port: 705\n", "assignments:\n  enabled: true\n  port: 705\n"])
def test_a_port_the_site_uses_already_is_refused(other):
    with pytest.raises(ConfigError) as e:
        loads(other + "analytics:\n  port: 705\n", "site.yaml")
    assert e.value.key == "analytics.port" and e.value.line == other.count("\n") + 2
    assert "705" in str(e.value) and "leave it null" in str(e.value)
    # the same number for a service that does not run is no clash
    assert loads("assignments:\n  enabled: false\n  port: 705\nanalytics:\n  port: 705\n")["analytics"]["port"] == 705


def test_up_refuses_a_bad_analytics_key_by_name_and_line_before_doing_anything(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text(f"data_dir: {tmp_path}/data\nanalytics:\n  poll_interval: 5\n")
    r = subprocess.run([sys.executable, "-m", "campushub", "up", "--config", str(site)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{site}:3: analytics.poll_interval: got 5; must be at least 10" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()
