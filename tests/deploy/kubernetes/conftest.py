"""A kubeconfig that names no reachable cluster, for building pods offline."""

from __future__ import annotations

import functools

import kubernetes_asyncio.config.kube_config
import kubernetes_validate.utils
import pytest

# KubeSpawner loads a kubeconfig as soon as it is constructed, even with
# _mock=True, and fails without one. Port 1 refuses at once, so a call that
# should never happen fails fast instead of hanging.
DUMMY_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: offline
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: offline
  user: {token: not-a-real-token}
contexts:
- name: offline
  context: {cluster: offline, user: offline, namespace: campushub}
current-context: offline
"""

# kubernetes-validate reads and parses its schema files (the definitions
# alone are 1.1 MB of JSON) on every validate() call: 30 ms a manifest, times
# two Kubernetes versions, for hundreds of manifests. The files never change
# while tests run and jsonschema only reads them, so parse each once; its own
# validate() still does everything else, unchanged.
kubernetes_validate.utils.schema_contents = functools.cache(kubernetes_validate.utils.schema_contents)


@pytest.fixture
def dummy_kubeconfig(tmp_path, monkeypatch):
    path = tmp_path / "kubeconfig"
    path.write_text(DUMMY_KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(path))
    # The client reads KUBECONFIG once, when it is first imported; by now it
    # has been, so its copy is what load_kube_config() actually uses.
    monkeypatch.setattr(kubernetes_asyncio.config.kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))
    return path
