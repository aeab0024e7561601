"""A user pod gets the labels of JupyterLab's "Share an app" card and "Run as
app…" command in the person's language, from the policy mixin as local
servers do (hub/apps/texts.py), and only where the site runs apps: the
JupyterLab page reads them from its page config, never from the hub, whose
login it lacks on the person's own origin (hub.subdomain_host). No cluster:
the pod is built offline (see conftest.py)."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from jupyterhub.objects import Hub

from campushub.config import validate
from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner
from campushub.hub.apps.texts import TEXTS, TEXTS_ENV
from campushub.i18n import translate

from .pods import container, pod_manifest

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")


def pod_env(site: dict, accept_language: str) -> dict:
    async def build():
        user = SimpleNamespace(name="kim", id=1, url="/user/kim/", groups=[], spawners={}, admin=False)
        spawner = CampusHubKubeSpawner(_mock=True, user=user, hub=Hub(), namespace="campushub", site_config=site)
        spawner.handler = SimpleNamespace(request=SimpleNamespace(headers={"Accept-Language": accept_language}))
        spawner.check_and_apply({})
        return await pod_manifest(spawner)
    return {e["name"]: e.get("value") for e in container(asyncio.run(build())).get("env", [])}


@pytest.mark.parametrize("lang", ["ja", "ru", "en"])
def test_the_pod_carries_the_labels_in_the_persons_language(lang):
    labels = json.loads(pod_env(validate({"apps": {"enabled": True}}), lang)[TEXTS_ENV])
    assert labels == {text: translate(lang, text) for text in TEXTS}
    if lang != "en":
        assert labels["Share an app"] != "Share an app"


@pytest.mark.parametrize("apps", [{"enabled": False}, {"max_per_person": 0}])
def test_no_labels_where_the_site_runs_no_apps(apps):
    assert TEXTS_ENV not in pod_env(validate({"apps": apps}), "ja")
