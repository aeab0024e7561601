"""A checked choice on the local spawner, without a hub: the limits the
policy mixin sets for both backends, then the local step (GPUs, the
environment's venv) and what the form shows of this machine's builds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from jupyterhub.objects import Hub
from tornado import web

from campushub.config import validate
from campushub.deploy.local.spawner.system_user import SystemUserSpawner
from campushub.i18n import translate

GIB = 2**30
SITE = validate({
    "environments": {"ds": {"title": "Data science", "versions": {"2026.11": {}}, "tags": {"stable": "2026.11"}}},
    "policies": {"default": {"cpu": {"min": 0.5, "max": 2, "default": 1},
                             "memory": {"min": "1G", "max": "4G", "default": "2G"},
                             "environments": ["ds:stable"], "user_environments": False},
                 "groups": {"gpu-users": {"gpus": {"max": 1, "default": 1}}}},
})


def spawner(groups=(), **traits) -> SystemUserSpawner:
    user = SimpleNamespace(name="kim", id=1, url="/user/kim/", groups=[SimpleNamespace(name=g) for g in groups],
                           spawners={})
    return SystemUserSpawner(user=user, hub=Hub(), site_config=SITE, **traits)


def test_the_shared_limits_and_the_local_step_both_apply():
    s = spawner(["gpu-users"])
    s.check_and_apply({"cpu": 2, "memory": "3G"})
    assert (s.cpu_limit, s.mem_limit, s.mem_guarantee) == (2, 3 * GIB, 3 * GIB)
    assert s.disable_user_config  # the policy allows no own environments
    assert s.gpus == 1
    assert s.cmd == ["jupyterhub-singleuser"]  # no data dir to resolve a venv in: as configured


def test_an_environment_not_built_here_is_refused_with_a_message_and_shown_as_not_ready(tmp_path):
    s = spawner(environments_root=str(tmp_path))
    with pytest.raises(web.HTTPError) as e:
        s.check_and_apply({})
    assert e.value.status_code == 503
    assert e.value.jupyterhub_message == translate("en", "The environment {name} ({tag}) is not ready on this machine. Ask an administrator to run campushub env build.", name="ds", tag="stable")  # noqa: E501
    [shown] = s.environment_info(s.policy())
    assert shown["title"] == "Data science"
    assert shown["tags"] == [{"tag": "stable", "version": "2026.11", "packages": {}, "built": False}]


def test_without_a_data_dir_the_form_cannot_tell_and_shows_the_configured_tags():
    s = spawner()
    [shown] = s.environment_info(s.policy())
    assert shown["tags"] == [{"tag": "stable", "version": "2026.11", "packages": {}, "built": True}]
