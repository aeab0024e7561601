"""The environments a spawn form lists, shared by both backends: the
configuration's names and versions, plus what the backend found built."""

from __future__ import annotations

from campushub.config import validate
from campushub.hub.policy.environment_list import environment_list
from campushub.hub.policy.types import Policy, Range

GIB = 2**30
SITE = validate({"environments": {
    "ds": {"title": "Data science", "description": "pandas and friends",
           "versions": {"2026.11": {}, "2026.12": {}}, "tags": {"stable": "2026.11", "dev": "2026.12"}},
    "gpu": {"versions": {"v1": {}}, "tags": {"stable": "v1"}},
}})


def allowing(*environments: tuple[str, str]) -> Policy:
    return Policy(cpu=Range(1, 1, 1), memory=Range(GIB, GIB, GIB), gpus=Range(0, 0, 0), environments=environments,
                  node_pools=(), max_servers=1, user_environments=True)


def test_a_backend_that_cannot_tell_lists_each_allowed_tag_as_configured():
    # Kubernetes: the image is pulled at start, there is no build to look at
    shown = environment_list(SITE, allowing(("ds", "stable"), ("ds", "dev"), ("gpu", "stable")), None)
    assert [e["name"] for e in shown] == ["ds", "gpu"]
    assert (shown[0]["title"], shown[0]["description"]) == ("Data science", "pandas and friends")
    assert shown[1]["title"] == "gpu"  # no title configured: its name
    assert shown[0]["tags"] == [{"tag": "stable", "version": "2026.11", "packages": {}, "built": True},
                                {"tag": "dev", "version": "2026.12", "packages": {}, "built": True}]


def test_what_a_backend_found_built_adds_versions_and_packages_and_the_rest_is_not_ready():
    found = {"ds": {"title": "Data science", "description": "pandas and friends", "tags": {
        "stable": {"version": "2026.11", "built": True, "packages": {"pandas": "2.2.3"}},
        "dev": {"version": "2026.12", "built": False, "packages": {}}}}}
    shown = environment_list(SITE, allowing(("ds", "stable"), ("ds", "dev"), ("gpu", "stable")), found)
    assert shown[0]["tags"] == [{"tag": "stable", "version": "2026.11", "packages": {"pandas": "2.2.3"}, "built": True},
                                {"tag": "dev", "version": "2026.12", "packages": {}, "built": False}]
    # nothing found for gpu at all: the configuration's words, and not startable
    assert shown[1] == {"name": "gpu", "title": "gpu", "description": "",
                        "tags": [{"tag": "stable", "version": "v1", "packages": {}, "built": False}]}


def test_only_what_the_policy_allows_is_listed():
    assert [e["name"] for e in environment_list(SITE, allowing(("gpu", "stable")), None)] == ["gpu"]
