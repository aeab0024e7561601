"""The start settings of issue 12 in campushub.yaml: the fork server switch,
how many servers start at once, and JupyterHub's own spawn limit, which must
not refuse learners who could wait in the start line (hub/settings.py)."""

import pytest
from traitlets.config import Config

from campushub.config import ConfigError, load, loads
from campushub.hub import settings


def test_defaults_fork_and_choose_the_number_of_starts_automatically():
    config = load(None)
    assert config["spawner"]["fork_server"] is True
    assert config["spawner"]["concurrent_starts"] == 0
    assert config["hub"]["concurrent_spawn_limit"] == 0
    assert config["spawner"]["poll_interval"] == 30  # JupyterHub's own default


@pytest.mark.parametrize(
    "text, key, line, hint",
    [
        ("spawner:\n  user_prefix: jh-\n  concurrent_starts: -1\n", "spawner.concurrent_starts", 3, "at least 0"),
        ("spawner:\n  concurrent_starts: 1.5\n", "spawner.concurrent_starts", 2, "expected integer"),
        ("spawner:\n  concurrent_starts: many\n", "spawner.concurrent_starts", 2, "expected integer"),
        ("hub:\n  port: 8000\nspawner:\n  fork_server: sometimes\n", "spawner.fork_server", 4, "expected boolean"),
        ("hub:\n  concurrent_spawn_limit: -2\n", "hub.concurrent_spawn_limit", 2, "at least 0"),
        ("spawner:\n  poll_interval: 0\n", "spawner.poll_interval", 2, "at least 1"),
    ],
)
def test_bad_start_settings_name_key_and_line(text, key, line, hint):
    with pytest.raises(ConfigError) as info:
        loads(text, "site.yaml")
    err = info.value
    assert (err.key, err.line) == (key, line)
    assert str(err).startswith(f"site.yaml:{line}: {key}:") and hint in str(err)
    assert "\n" not in str(err)


@pytest.mark.parametrize("section", ["SystemUserSpawner", "CampusHubKubeSpawner"])
def test_the_spawner_gets_concurrent_starts_and_the_hub_refuses_no_start(section):
    c = Config()
    c.JupyterHub.concurrent_spawn_limit = 64  # e.g. the Kubernetes chart's default, set before ours
    settings.apply(c, loads("spawner:\n  concurrent_starts: 3\n  poll_interval: 5\n"), spawner_section=section)
    assert c[section].concurrent_starts == 3
    assert c[section].poll_interval == 5
    assert c.JupyterHub.concurrent_spawn_limit == 0


def test_an_operator_may_still_cap_pending_starts():
    c = Config()
    settings.apply(c, loads("hub:\n  concurrent_spawn_limit: 300\n"), spawner_section="SystemUserSpawner")
    assert c.JupyterHub.concurrent_spawn_limit == 300 and c.SystemUserSpawner.concurrent_starts == 0
