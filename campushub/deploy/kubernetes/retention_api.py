"""The few Kubernetes API calls retention makes, through kubernetes_asyncio
(the client KubeSpawner uses, so the hub image and the `kubernetes` extra
already have it), each returning the objects as the API's JSON.

The operator's kubeconfig (KUBECONFIG, or ~/.kube/config) says where and as
whom; inside a pod the pod's service account. It needs, in the release's
namespace: get/list persistentvolumeclaims and pods, create/delete
persistentvolumeclaims, create/get/delete jobs. Retention is an operator's
action, so the hub's own service account is not given these rights.
"""

from __future__ import annotations

import os

from kubernetes_asyncio import client
from kubernetes_asyncio import config as kube_config
from kubernetes_asyncio.client.exceptions import ApiException

from ...retention.backend import RetentionError

SPAWNED_CLAIMS = "component=singleuser-storage"  # the label KubeSpawner gives the claims it makes


class ClusterError(RetentionError):
    """The API refused or could not be reached; the message says which call and why."""


class Cluster:
    def __init__(self, namespace: str, api: client.ApiClient):
        self.namespace, self._api = namespace, api
        self._core, self._batch = client.CoreV1Api(api), client.BatchV1Api(api)

    @classmethod
    async def connect(cls, namespace: str) -> Cluster:
        configuration = client.Configuration()
        try:
            if os.environ.get("KUBERNETES_SERVICE_HOST") and not os.environ.get("KUBECONFIG"):
                kube_config.load_incluster_config(client_configuration=configuration)
            else:
                await kube_config.load_kube_config(client_configuration=configuration)
        except (kube_config.ConfigException, OSError) as e:
            raise ClusterError(f"no Kubernetes cluster to talk to ({e}); set KUBECONFIG to the cluster's "
                               "kubeconfig, as for kubectl") from None
        return cls(namespace, client.ApiClient(configuration))

    async def close(self) -> None:
        await self._api.close()

    def _json(self, obj):
        return self._api.sanitize_for_serialization(obj)

    async def _call(self, what: str, coro):
        try:
            return await coro
        except ApiException as e:
            raise ClusterError(f"{what} in namespace {self.namespace}: {e.status} {e.reason}") from None
        except OSError as e:
            raise ClusterError(f"{what}: cannot reach the Kubernetes API ({e})") from None

    async def home_claims(self) -> list[dict]:
        found = await self._call("listing home claims", self._core.list_namespaced_persistent_volume_claim(
            self.namespace, label_selector=SPAWNED_CLAIMS))
        return self._json(found.items)

    async def claim(self, name: str) -> dict | None:
        try:
            return self._json(await self._core.read_namespaced_persistent_volume_claim(name, self.namespace))
        except ApiException as e:
            if e.status == 404:
                return None
            raise ClusterError(f"reading claim {name}: {e.status} {e.reason}") from None

    async def pods(self) -> list[dict]:
        found = await self._call("listing pods", self._core.list_namespaced_pod(self.namespace))
        return self._json(found.items)

    async def hub_image(self, release: str) -> str | None:
        """The image the release's hub runs now: the one with this CampusHub,
        whatever the local checkout would build today."""
        found = await self._call("finding the hub pod", self._core.list_namespaced_pod(
            self.namespace, label_selector=f"component=hub,release={release}"))
        for pod in self._json(found.items):
            for container in pod["spec"]["containers"]:
                if container["name"] == "hub" and pod.get("status", {}).get("phase") == "Running":
                    return container["image"]
        return None

    async def pod_log(self, name: str) -> str:
        return await self._call(f"reading the log of pod {name}", self._core.read_namespaced_pod_log(
            name, self.namespace, container="retention"))

    async def create_job(self, manifest: dict) -> None:
        await self._call(f"creating job {manifest['metadata']['name']}",
                         self._batch.create_namespaced_job(self.namespace, manifest))

    async def job(self, name: str) -> dict:
        return self._json(await self._call(f"reading job {name}",
                                           self._batch.read_namespaced_job(name, self.namespace)))

    async def job_pods(self, name: str) -> list[dict]:
        found = await self._call(f"listing the pods of job {name}",
                                 self._core.list_namespaced_pod(self.namespace, label_selector=f"job-name={name}"))
        return self._json(found.items)

    async def delete_job(self, name: str) -> None:
        await self._call(f"deleting job {name}", self._batch.delete_namespaced_job(
            name, self.namespace, propagation_policy="Background"))

    async def delete_claim(self, name: str, uid: str) -> None:
        # only the very claim that was archived: one made again since (same
        # name, new uid) is refused by the API server
        await self._call(f"deleting claim {name}", self._core.delete_namespaced_persistent_volume_claim(
            name, self.namespace, body=client.V1DeleteOptions(preconditions=client.V1Preconditions(uid=uid))))

    async def create_claim(self, manifest: dict) -> None:
        await self._call(f"creating claim {manifest['metadata']['name']}",
                         self._core.create_namespaced_persistent_volume_claim(self.namespace, manifest))
