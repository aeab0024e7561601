"""JupyterLab's language on Kubernetes: the pod carries the person's language
(from their browser at spawn, or ui.language) as the default for JupyterLab's
locale setting, through a pod annotation shown as a file by a downward-API
volume. No cluster here: the pod is built offline (see conftest.py) and
validated against the Kubernetes schema."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from jupyterhub.objects import Hub

from campushub.config import validate
from campushub.deploy.kubernetes.lab_language import ANNOTATION, FILE, MOUNT
from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner
from campushub.i18n.jinja import I18nExtension

from .pods import container, pod_manifest
from .test_manifests import check_schema

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
PLUGIN = "@jupyterlab/translation-extension:plugin"


def pod(accept_language: str | None, **traits) -> dict:
    async def build():
        user = SimpleNamespace(name="kim", id=1, url="/user/kim/", groups=[], spawners={}, admin=False)
        spawner = CampusHubKubeSpawner(_mock=True, user=user, hub=Hub(), namespace="campushub",
                                       site_config=validate({}), **traits)
        headers = {"Accept-Language": accept_language} if accept_language else {}
        spawner.handler = SimpleNamespace(request=SimpleNamespace(headers=headers))
        spawner.check_and_apply({})
        return await pod_manifest(spawner)
    return asyncio.run(build())


def env_of(manifest: dict) -> dict:
    return {e["name"]: e.get("value") for e in container(manifest).get("env", [])}


def lab_default(manifest: dict) -> str | None:
    """The locale JupyterLab would default to, read the way the pod reads it."""
    volumes = [v for v in manifest["spec"].get("volumes", []) if "downwardAPI" in v]
    if not volumes:
        return None
    (item,) = volumes[0]["downwardAPI"]["items"]
    assert item["path"] == FILE
    annotation = item["fieldRef"]["fieldPath"].removeprefix("metadata.annotations['").removesuffix("']")
    mount = next(m for m in container(manifest)["volumeMounts"] if m["name"] == volumes[0]["name"])
    assert mount["mountPath"] == MOUNT and mount["readOnly"]
    assert env_of(manifest)["JUPYTER_CONFIG_PATH"].split(":")[0] == MOUNT
    return json.loads(manifest["metadata"]["annotations"][annotation])[PLUGIN]["locale"]


@pytest.mark.parametrize("header, locale", [
    ("ja-JP,ja;q=0.9,en;q=0.8", "ja_JP"),
    ("ru-RU,ru;q=0.9", "ru_RU"),
    ("en-US,en;q=0.9", None),
    (None, None),
    ("fr-FR", None),
])
def test_pod_defaults_jupyterlab_to_the_browser_language(header, locale):
    manifest = pod(header)
    check_schema(manifest)
    assert lab_default(manifest) == locale
    assert env_of(manifest).get("CAMPUSHUB_LAB_LOCALE") == locale
    if locale is None:
        assert ANNOTATION not in (manifest["metadata"].get("annotations") or {})
        assert "JUPYTER_CONFIG_PATH" not in env_of(manifest)


def test_site_language_wins_over_the_browser(monkeypatch):
    monkeypatch.setattr(I18nExtension, "fixed_language", "ru")
    assert lab_default(pod("ja")) == "ru_RU"
    monkeypatch.setattr(I18nExtension, "fixed_language", "en")
    assert lab_default(pod("ja")) is None


def test_deployment_config_path_is_kept():
    manifest = pod("ja", environment={"JUPYTER_CONFIG_PATH": "/etc/site-jupyter"})
    check_schema(manifest)
    assert env_of(manifest)["JUPYTER_CONFIG_PATH"] == f"{MOUNT}:/etc/site-jupyter"
    assert lab_default(manifest) == "ja_JP"
