"""A pod gets what a local server gets from the policy mixin (hub/server_env.py):
the memory warning and the own-environments card in the person's language,
and the card only where their group policy allows own environments. No
cluster: the pod is built offline (see conftest.py)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from jupyterhub.objects import Hub

from campushub.config import validate
from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner
from campushub.hub.help_texts import WHAT_TO_DO
from campushub.hub.server_env import MEMORY_WARNING, OWN_ENVIRONMENTS
from campushub.i18n import translate

from .pods import container, pod_manifest

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
SITE = validate({"policies": {"default": {"user_environments": True},
                              "groups": {"exam": {"user_environments": False}}}})


def pod_env(groups: list[str], accept_language: str) -> dict:
    async def build():
        user = SimpleNamespace(name="kim", id=1, url="/user/kim/", groups=[SimpleNamespace(name=g) for g in groups],
                               spawners={}, admin=False)
        spawner = CampusHubKubeSpawner(_mock=True, user=user, hub=Hub(), namespace="campushub", site_config=SITE)
        spawner.handler = SimpleNamespace(request=SimpleNamespace(headers={"Accept-Language": accept_language}))
        spawner.check_and_apply({})
        return await pod_manifest(spawner)
    return {e["name"]: e.get("value") for e in container(asyncio.run(build())).get("env", [])}


def test_the_pod_carries_the_translated_texts_and_the_own_environments_card():
    env = pod_env([], "ja")
    # with the help portal's memory page (help.enabled by default: hub/help_texts.py)
    assert env["CAMPUSHUB_MEMORY_WARNING"] == translate("ja", MEMORY_WARNING) + " " + translate(
        "ja", WHAT_TO_DO, url="/services/help/ja/learners/memory/") != MEMORY_WARNING
    assert env["CAMPUSHUB_OWN_ENVIRONMENTS_TITLE"] == translate("ja", OWN_ENVIRONMENTS)
    assert env["CAMPUSHUB_USER_ENVIRONMENTS"] == "1"


def test_a_locked_down_group_gets_no_own_environments():
    env = pod_env(["exam"], "ru")
    assert env["CAMPUSHUB_USER_ENVIRONMENTS"] == "0"
    assert env["CAMPUSHUB_MEMORY_WARNING"].startswith(translate("ru", MEMORY_WARNING) + " ")
