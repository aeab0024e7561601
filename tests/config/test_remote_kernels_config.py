"""The profiles and remote_kernels sections: defaults, helpers, one-line
errors naming the key and its line, and which profiles a person's policy
allows (hub/policy/profiles.py reuses choose.py)."""

from __future__ import annotations

import pytest

from campushub.config import ConfigError, loads
from campushub.config import remote_kernels as rk
from campushub.hub.policy.profiles import PolicyError, allowed_profiles, choice_for
from campushub.hub.policy.resolve import effective_policy

SITE = """
limits: {cpu: 1, memory: 1G}
environments:
  ds:
    versions: {"1": {}, "2": {}}
    tags: {stable: "1", dev: "2"}
policies:
  groups:
    big: {cpu: {max: 8}, memory: {max: 16G}}
    gpu: {cpu: {max: 8}, memory: {max: 16G}, gpus: {max: 2}}
profiles:
  small: {display_name: "Python 3 (1 CPU, 1 GiB)", cpu: 1, memory: 1G}
  large: {cpu: 4, memory: 8G, groups: [big, ml, gpu]}
  gpu: {cpu: 4, memory: 8G, gpus: 1}
  dev: {environment: "ds:dev"}
remote_kernels: {enabled: true, groups: [ml, big], cull_idle_minutes: 30}
"""


def test_defaults_keep_it_off():
    config = loads("")
    assert config["profiles"] == {} and not rk.enabled(config)
    assert config["remote_kernels"] == {
        "enabled": False, "groups": [], "cull_idle_minutes": 60, "max_kernels_per_person": 4, "port": None,
        "gateway_port": None,
        "kubernetes": {"gateway_image": "elyra/enterprise-gateway:3.2.3", "kernel_image": ""}}
    assert not rk.uses_gateway(config, ["anyone"])


def test_profiles_are_filled_in_and_named_as_kernelspecs():
    config = loads(SITE)
    profiles = rk.profiles(config)
    assert list(profiles) == ["small", "large", "gpu", "dev"]
    assert profiles["small"] == {"display_name": "Python 3 (1 CPU, 1 GiB)", "cpu": 1, "memory": 2**30, "gpus": 0,
                                 "node_pool": None, "environment": None, "groups": []}
    assert profiles["dev"]["display_name"] == "dev" and profiles["dev"]["memory"] == 2 * 2**30
    assert rk.environment(config, profiles["small"]) == ("ds", "stable")
    assert rk.environment(config, profiles["dev"]) == ("ds", "dev")
    assert rk.kernelspec_name("small") == "campushub-small" and rk.profile_of("campushub-small") == "small"
    assert rk.profile_of("python3") is None
    assert rk.idle_seconds(config) == 1800
    assert rk.uses_gateway(config, ["ml"]) and not rk.uses_gateway(config, ["students"])


def test_allowed_profiles_follow_groups_and_the_policy():
    config = loads(SITE)

    def allowed(*groups):
        return allowed_profiles(config, effective_policy(config, groups), groups)

    assert allowed() == ["small"]  # large is too big for the default policy, dev's 2G too
    assert allowed("ml") == ["small"]  # in large's groups, but the policy allows 1 CPU
    assert allowed("big") == ["small", "large", "dev"]  # gpu needs a GPU
    assert allowed("gpu") == ["small", "large", "gpu", "dev"]
    with pytest.raises(PolicyError) as refused:
        choice_for(config, effective_policy(config, ["big"]), "gpu")
    assert "GPU" in str(refused.value)
    choice = choice_for(config, effective_policy(config, ["big"]), "large")
    assert (choice.cpu_limit, choice.mem_limit, choice.environment, choice.tag) == (4, 8 * 2**30, "ds", "stable")


@pytest.mark.parametrize("text, key, line, words", [
    ("profiles:\n  Small: {}\n", "profiles", 1, "lowercase letters"),
    ("profiles:\n  x:\n    memory: 1M\n", "profiles.x.memory", 3, "at least 64M"),
    ("profiles:\n  x:\n    cpu: 0\n", "profiles.x.cpu", 3, "more than 0"),
    ("profiles:\n  x:\n    size: 2\n", "profiles.x", 3, ""),
    ("profiles:\n  x:\n    environment: nope\n", "profiles.x.environment", 3, "no environment 'nope'"),
    ("profiles:\n  x:\n    environment: 'python:dev'\n", "profiles.x.environment", 3, "no tag 'dev'"),
    ("profiles:\n  x:\n    node_pool: gpu\n", "profiles.x.node_pool", 3, "kubernetes.node_pools"),
    ("remote_kernels:\n  enabled: true\n", "remote_kernels.enabled", 2, "at least one profile"),
    ("remote_kernels:\n  cull_idle_minutes: 0\n", "remote_kernels.cull_idle_minutes", 2, ""),
    ("remote_kernels:\n  gateway_port: 70000\n", "remote_kernels.gateway_port", 2, ""),
])
def test_errors_name_the_key_and_line(text, key, line, words):
    with pytest.raises(ConfigError) as err:
        loads(text)
    assert err.value.key == key and err.value.line == line
    assert words in str(err.value) and "\n" not in str(err.value)
