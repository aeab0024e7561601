"""A project's claim is made at a member's start when missing, before the
pod, through KubeSpawner's own API client (deploy/kubernetes/projects.py):
409 (it exists) lets the start go on; any other refusal fails the start
with one line in the person's language, and no pod is made.

No cluster runs here: the spawner is built offline (dummy kubeconfig,
_mock=True), the API server is a stand-in for the one call it makes
(create, and the read KubeSpawner does after a 403), and KubeSpawner's own
_start, which would make the pod, only records the pod it would make."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from jupyterhub.objects import Hub
from kubernetes_asyncio.client import ApiClient
from kubernetes_asyncio.client.exceptions import ApiException
from kubespawner import KubeSpawner

from campushub.config import validate
from campushub.deploy.kubernetes import projects
from campushub.deploy.kubernetes.render import projects as render_projects
from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner
from campushub.i18n import translate

from .chart import assert_valid_manifest

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
SITE = validate({"projects": {"kubernetes": {"storage_class": "cephfs", "size": "50Gi"}}})


def project(name: str) -> SimpleNamespace:
    return SimpleNamespace(name=name, properties={"campushub_project": {"owners": ["alice"], "title": name}})


def start(monkeypatch, create, read=None, groups=("churn-model",), site=SITE, lang="en"):
    """One start of bob's server against the stand-in; returns (result or
    exception, the claims asked for, the pods made)."""
    asked, pods = [], []

    async def kubespawner_start(self):  # the pod is not made: there is no cluster
        pods.append(await self.get_pod_manifest())
        return "http://10.0.0.1:8888"

    monkeypatch.setattr(KubeSpawner, "_start", kubespawner_start)

    async def go():
        user = SimpleNamespace(name="bob", id=1, url="/user/bob/", admin=False, spawners={}, orm_spawners={},
                               groups=[project(g) for g in groups])
        spawner = CampusHubKubeSpawner(_mock=True, user=user, hub=Hub(), namespace="campushub", site_config=site,
                                       k8s_api_request_retry_timeout=5)
        spawner.handler = SimpleNamespace(request=SimpleNamespace(headers={"Accept-Language": lang}))

        async def create_claim(namespace, body):
            async with ApiClient() as api:
                asked.append((namespace, api.sanitize_for_serialization(body)))
            return await create(body)

        async def read_claim(name, namespace):
            return await (read or missing)(name)

        monkeypatch.setattr(spawner.api, "create_namespaced_persistent_volume_claim", create_claim)
        monkeypatch.setattr(spawner.api, "read_namespaced_persistent_volume_claim", read_claim)
        try:
            return await spawner._start()
        except Exception as e:  # noqa: BLE001  what the hub would show as the spawn failure
            return e

    return asyncio.run(go()), asked, pods


async def made(body):
    return body


async def missing(name):
    raise ApiException(status=404, reason="Not Found")


def refused(status: int, reason: str):
    async def answer(*_):
        raise ApiException(status=status, reason=reason)
    return answer


def test_missing_claims_are_made_before_the_pod(monkeypatch):
    result, asked, pods = start(monkeypatch, made, groups=("churn-model", "pricing"))
    assert result == "http://10.0.0.1:8888"
    assert [body["metadata"]["name"] for _, body in asked] == ["project-churn-model", "project-pricing"]
    namespace, body = asked[0]
    assert namespace == "campushub"
    assert body["spec"] == {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "50Gi"}},
                            "storageClassName": "cephfs"}
    assert body["metadata"]["labels"] == {"app.kubernetes.io/part-of": "campushub", "campushub/project": "churn-model",
                                          "app.kubernetes.io/component": "project-storage"}
    # nothing of KubeSpawner's own claims: retention never takes it for a home
    assert "hub.jupyter.org/username" not in (body["metadata"].get("annotations") or {})
    assert_valid_manifest({**body, "metadata": {**body["metadata"], "namespace": namespace}})
    # the claim the spawner makes is the one `campushub k8s render` writes
    rendered = render_projects.claim("churn-model", SITE["projects"]["kubernetes"], "campushub")
    assert body["spec"] == rendered["spec"] and body["metadata"]["labels"] == rendered["metadata"]["labels"]
    assert len(pods) == 1


def test_an_existing_claim_answers_409_and_the_start_goes_on(monkeypatch):
    result, asked, pods = start(monkeypatch, refused(409, "Conflict"))
    assert result == "http://10.0.0.1:8888" and len(asked) == 1
    mounts = [m.mount_path for m in pods[0].spec.containers[0].volume_mounts]
    assert "/home/jovyan/projects/churn-model" in mounts


def test_a_non_member_asks_for_no_claim(monkeypatch):
    result, asked, pods = start(monkeypatch, made, groups=())
    assert result == "http://10.0.0.1:8888" and asked == [] and len(pods) == 1


@pytest.mark.parametrize(("status", "reason"), [(403, "Forbidden"), (422, "Unprocessable Entity"),
                                                (500, "Internal Server Error")])
def test_a_refusal_fails_the_start_with_one_line_and_no_pod(monkeypatch, status, reason):
    # 403 also covers a quota: KubeSpawner reads the claim then, and it is not there
    result, asked, pods = start(monkeypatch, refused(status, reason))
    assert isinstance(result, projects.ProjectStorageError) and pods == []
    message = str(result)
    assert "\n" not in message and f"{status} {reason}" in message and "churn-model" in message
    assert "administrator" in message


def test_a_403_for_a_claim_that_exists_lets_the_start_go_on(monkeypatch):
    async def there(name):
        return {"metadata": {"name": name}}

    result, _, pods = start(monkeypatch, refused(403, "Forbidden"), read=there)
    assert result == "http://10.0.0.1:8888" and len(pods) == 1


def test_the_failure_is_in_the_persons_language(monkeypatch):
    result, _, _ = start(monkeypatch, refused(403, "Forbidden"), lang="ja")
    assert str(result) == translate("ja", projects.NOT_MADE, project="churn-model", why="403 Forbidden")
    assert str(result) != translate("en", projects.NOT_MADE, project="churn-model", why="403 Forbidden")


def test_a_hub_without_a_site_configuration_uses_the_defaults(monkeypatch):
    # a plain jupyterhub_config.py with our spawner: RWX, 10Gi, the cluster's default class
    result, asked, _ = start(monkeypatch, made, site={})
    assert result == "http://10.0.0.1:8888"
    assert asked[0][1]["spec"] == {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "10Gi"}}}
