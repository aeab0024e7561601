"""Policy resolution (limits -> default -> groups, union over groups) and the
checks every request goes through."""

from __future__ import annotations

import pytest

from campushub.config import validate
from campushub.hub.policy.choose import PolicyError, choose, from_form, named_server_limit
from campushub.hub.policy.resolve import effective_policy

GIB = 2**30
SITE = validate({
    "limits": {"cpu": 1, "memory": "2G"},
    "environments": {
        "ds": {"versions": {"a": {}, "b": {}}, "tags": {"stable": "a", "dev": "b"}},
        "dl": {"versions": {"a": {}}, "tags": {"stable": "a"}},
    },
    "kubernetes": {"node_pools": {"gpu": {}, "std": {}}},
    "policies": {
        "default": {"cpu": {"min": 0.5, "max": 2}, "environments": ["ds:stable"], "user_environments": False},
        "groups": {
            "bank": {"cpu": {"max": 8, "default": 2}, "memory": {"min": "1G", "max": "16G"}, "max_servers": 3},
            "analysts": {"gpus": {"max": 2}, "environments": ["ds", "dl"], "node_pools": ["gpu", "std"]},
            "tiny": {"cpu": {"max": 0.25}},
        },
    },
})


def test_no_policies_means_the_fixed_limits_and_every_environment():
    p = effective_policy(validate({"limits": {"cpu": 2, "memory": "3G"}}), ["anything"])
    assert (p.cpu.min, p.cpu.max, p.cpu.default) == (2, 2, 2) and p.memory.max == 3 * GIB
    assert p.environments == (("python", "stable"),) and p.gpus.max == 0 and p.max_servers == 1
    assert p.user_environments and p.groups == ()


def test_default_fills_in_from_limits_and_groups_from_default():
    p = effective_policy(SITE, [])
    assert (p.cpu.min, p.cpu.max, p.cpu.default) == (0.5, 2, 1)
    assert (p.memory.min, p.memory.max) == (2 * GIB, 2 * GIB)
    assert p.environments == (("ds", "stable"),) and not p.user_environments
    bank = effective_policy(SITE, ["bank"])
    assert (bank.cpu.min, bank.cpu.max, bank.cpu.default) == (0.5, 8, 2)
    assert (bank.memory.min, bank.memory.max, bank.memory.default) == (GIB, 16 * GIB, 2 * GIB)
    assert bank.environments == (("ds", "stable"),) and bank.max_servers == 3 and bank.groups == ("bank",)


def test_a_lowered_max_drags_min_and_default_along():
    p = effective_policy(SITE, ["tiny"])
    assert (p.cpu.min, p.cpu.max, p.cpu.default) == (0.25, 0.25, 0.25)


def test_several_groups_get_the_union():
    p = effective_policy(SITE, ["bank", "analysts", "not-a-policy-group"])
    assert (p.cpu.min, p.cpu.max, p.cpu.default) == (0.5, 8, 2)
    assert p.gpus.max == 2 and p.max_servers == 3 and p.node_pools == ("gpu", "std")
    assert p.environments == (("ds", "stable"), ("ds", "dev"), ("dl", "stable"))
    assert p.groups == ("analysts", "bank")
    assert named_server_limit(p) == 2


def test_defaults_and_guarantees():
    c = choose(effective_policy(SITE, ["bank"]), SITE, {})
    assert (c.cpu_limit, c.mem_limit, c.gpus, c.environment, c.tag) == (2, 2 * GIB, 0, "ds", "stable")
    assert c.cpu_guarantee == pytest.approx(2 * 0.3333, abs=0.001) and c.mem_guarantee == 2 * GIB


def test_previous_choice_is_reused_while_allowed():
    p = effective_policy(SITE, ["bank"])
    c = choose(p, SITE, {"memory": "4G"}, previous={"cpu": 6, "memory": 8 * GIB})
    assert (c.cpu_limit, c.mem_limit) == (6, 4 * GIB)
    # a previous choice the policy no longer allows falls back to the default
    c = choose(effective_policy(SITE, []), SITE, {}, previous={"cpu": 6, "environment": "dl:stable"})
    assert (c.cpu_limit, c.environment) == (1, "ds")


def test_accepted_forms_of_values():
    p = effective_policy(SITE, ["bank", "analysts"])
    c = choose(p, SITE, {"cpu": "1.5", "memory": "1536M", "gpus": "2", "environment": "ds", "node_pool": "gpu"})
    assert (c.cpu_limit, c.mem_limit, c.gpus, c.tag, c.node_pool) == (1.5, 1536 * 2**20, 2, "stable", "gpu")
    assert choose(p, SITE, {"memory": 3 * GIB}).mem_limit == 3 * GIB


REFUSED = [
    ([], {"cpu": 3}, "CPU must be between 0.5 and 2 cores."),
    ([], {"cpu": 0}, "between 0.5 and 2"),
    ([], {"cpu": -1}, "between 0.5 and 2"),
    ([], {"cpu": "two"}, "between 0.5 and 2"),
    ([], {"cpu": "nan"}, "between 0.5 and 2"),
    ([], {"cpu": float("inf")}, "between 0.5 and 2"),
    ([], {"cpu": 1e308}, "between 0.5 and 2"),
    ([], {"cpu": True}, "between 0.5 and 2"),
    ([], {"cpu": "1" * 40}, "between 0.5 and 2"),
    ([], {"cpu": [1]}, "between 0.5 and 2"),
    ([], {"memory": "3G"}, "Memory must be 2 GiB."),
    (["bank"], {"memory": "99999999T"}, "between 1 GiB and 16 GiB"),
    (["bank"], {"memory": "-1G"}, "between 1 GiB and 16 GiB"),
    (["bank"], {"memory": 1.5}, "between 1 GiB and 16 GiB"),
    ([], {"gpus": 1}, "You may not use GPUs."),
    (["analysts"], {"gpus": 3}, "from 0 to 2"),
    (["analysts"], {"gpus": 1.5}, "from 0 to 2"),
    ([], {"environment": "dl:stable"}, "The environment dl:stable is not available to you"),
    ([], {"environment": "ds:dev"}, "Choose one of: ds:stable"),
    ([], {"environment": {"name": "ds"}}, "not available"),
    ([], {"node_pool": "gpu"}, "node pool gpu"),
    ([], {"image": "evil:latest"}, "Unknown option image"),
]


@pytest.mark.parametrize("groups, options, says", REFUSED, ids=[str(o) for _, o, _ in REFUSED])
def test_refusals_say_what_is_allowed(groups, options, says):
    with pytest.raises(PolicyError) as e:
        choose(effective_policy(SITE, groups), SITE, options)
    assert says in str(e.value)


def test_refusals_in_japanese():
    with pytest.raises(PolicyError) as e:
        choose(effective_policy(SITE, []), SITE, {"cpu": 3})
    assert e.value.translated("ja") == "CPU は 0.5〜2 コアの範囲で指定してください。"


def test_from_form_takes_gib_and_drops_empty_fields():
    assert from_form({"cpu": [" 1.5 "], "memory": ["2.5"], "gpus": [""], "_xsrf": ["t"], "image": ["x"]}) == \
        {"cpu": "1.5", "memory": "2.5G", "image": "x"}
