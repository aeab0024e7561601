"""A release of the rendered values in a namespace of its own: the Secrets
the values read, the objects rendered beside values.yaml, the database,
`helm upgrade --install --wait`; and removing all of it again."""

from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..harness import campushub
from . import postgres
from .helm import install_command, run, uninstall_command

# Marks what the live test made, so a leftover from a killed run is easy to
# find: kubectl get namespace -l campushub-live-test
LABEL = "campushub-live-test"
# kind has no load balancer: a LoadBalancer Service never gets an address and
# `helm --wait` would wait for it forever. The test reaches proxy-public
# through kubectl port-forward instead.
TEST_VALUES = {"proxy": {"service": {"type": "ClusterIP"}}}


@dataclass
class Release:
    name: str
    namespace: str
    out_dir: Path  # what `campushub k8s render` wrote

    @property
    def values(self) -> dict:
        return yaml.safe_load((self.out_dir / "values.yaml").read_text())

    def extra_manifests(self) -> list[Path]:
        """The Kubernetes objects the render wrote beside values.yaml (shared
        volumes...): YAML files whose every document has apiVersion and kind."""
        return sorted(p for p in self.out_dir.rglob("*.y*ml") if p.name != "values.yaml" and _objects(p))


def _objects(path: Path) -> bool:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    return bool(docs) and all(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in docs)


def render(config_file: Path, out_dir: Path) -> None:
    """`campushub k8s render`, as an operator runs it."""
    result = campushub("k8s", "render", "--config", str(config_file), "--out", str(out_dir))
    assert result.returncode == 0, f"campushub k8s render failed:\n{result.stdout}{result.stderr}"


def secret_refs(values: dict) -> list[tuple[str, str, str, bool]]:
    """(environment variable, Secret name, key, optional) of every hub.extraEnv
    entry read from a Secret. The chart takes extraEnv as a map or a list."""
    env = (values.get("hub") or {}).get("extraEnv") or {}
    entries = env.items() if isinstance(env, dict) else ((e.get("name"), e) for e in env)
    out = []
    for name, spec in entries:
        ref = ((spec or {}).get("valueFrom") or {}).get("secretKeyRef") if isinstance(spec, dict) else None
        if ref:
            out.append((name, ref["name"], ref["key"], bool(ref.get("optional"))))
    return out


def secret_manifests(values: dict, by_env: dict[str, str]) -> list[dict]:
    """The Secrets the values read, filled from `by_env` (environment variable -> value)."""
    data: dict[str, dict[str, str]] = {}
    for env, name, key, optional in secret_refs(values):
        if env in by_env:
            data.setdefault(name, {})[key] = by_env[env]
        elif not optional:
            raise AssertionError(f"the rendered values read {env} from Secret {name} key {key}, "
                                 "which the live test has no value for: add it in tests/live_k8s/release.py")
    return [{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
             "metadata": {"name": name, "labels": {LABEL: "true"}}, "stringData": keys}
            for name, keys in data.items()]


def kubectl_apply(namespace: str, objects: list[dict]) -> None:
    body = json.dumps({"apiVersion": "v1", "kind": "List", "items": objects})
    result = subprocess.run(["kubectl", "apply", "--namespace", namespace, "-f", "-"], input=body,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"kubectl apply failed:\n{result.stderr}")


def install(release: Release, work: Path) -> None:
    ns = release.namespace
    run(["kubectl", "create", "namespace", ns])
    run(["kubectl", "label", "namespace", ns, f"{LABEL}=true"])
    password = secrets.token_urlsafe(16)
    kubectl_apply(ns, postgres.manifests(password))
    run(["kubectl", "rollout", "status", "--namespace", ns, f"deployment/{postgres.NAME}", "--timeout=300s"])
    kubectl_apply(ns, secret_manifests(release.values, {"CAMPUSHUB_HUB_DB_URL": postgres.url(password)}))
    for path in release.extra_manifests():
        run(["kubectl", "apply", "--namespace", ns, "-f", str(path)])
    test_values = work / "live-test-values.yaml"
    test_values.write_text(yaml.safe_dump(TEST_VALUES))
    run(install_command(release.name, ns, [release.out_dir / "values.yaml", test_values]))


def remove(release: Release) -> list[str]:
    """Uninstall and delete the namespace, waiting for both; returns what is
    still there afterwards (empty when nothing is)."""
    ns = release.namespace
    subprocess.run(uninstall_command(release.name, ns), capture_output=True, timeout=600)
    subprocess.run(["kubectl", "delete", "namespace", ns, "--wait=true", "--timeout=10m", "--ignore-not-found"],
                   capture_output=True, timeout=900)
    left = []
    if subprocess.run(["kubectl", "get", "namespace", ns], capture_output=True).returncode == 0:
        left.append(f"namespace {ns}")
    # The chart's cluster-wide objects (the user scheduler's roles) are helm's to remove.
    out = subprocess.run(["kubectl", "get", "clusterrole,clusterrolebinding,priorityclass",
                          "-l", f"release={release.name}", "-o", "json"], capture_output=True, text=True)
    for item in json.loads(out.stdout or '{"items": []}')["items"]:
        if (item["metadata"].get("annotations") or {}).get("meta.helm.sh/release-namespace") == ns:
            left.append(f'{item["kind"]} {item["metadata"]["name"]}')
    return left
