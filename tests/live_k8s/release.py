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

from campushub.deploy.kubernetes.secrets import HUB_DB

from ..harness import campushub, save_artifact, wait_for
from . import postgres
from .helm import install_command, run, uninstall_command

# Marks what the live test made, so a leftover of a killed run is easy to
# find: kubectl get namespace -l campushub-live-test
LABEL = "campushub-live-test"
# kind has no load balancer: a LoadBalancer Service never gets an address and
# `helm --wait` would wait for it forever. The test reaches proxy-public
# through kubectl port-forward instead.
TEST_VALUES = {"proxy": {"service": {"type": "ClusterIP"}}}
# What `campushub k8s render` writes (render/output.py): the chart values,
# and the objects the README says to `kubectl apply` beside the chart.
VALUES, MANIFESTS = "values.yaml", "manifests.yaml"


@dataclass
class Release:
    config: dict  # the validated campushub.yaml
    out_dir: Path  # what `campushub k8s render` wrote

    @property
    def name(self) -> str:
        return self.config["kubernetes"]["release"]

    @property
    def namespace(self) -> str:
        return self.config["kubernetes"]["namespace"]

    @property
    def values(self) -> dict:
        return yaml.safe_load((self.out_dir / VALUES).read_text())

    def manifests(self) -> list[dict]:
        path = self.out_dir / MANIFESTS
        return [d for d in yaml.safe_load_all(path.read_text()) if d] if path.exists() else []


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
    if not objects:
        return
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
    kubectl_apply(ns, secret_manifests(release.values, {HUB_DB.env: postgres.url(password)}))
    kubectl_apply(ns, release.manifests())
    test_values = work / "live-test-values.yaml"
    test_values.write_text(yaml.safe_dump(TEST_VALUES))
    run(install_command(release.config, [release.out_dir / VALUES, test_values]))


def remove(release: Release) -> list[str]:
    """Uninstall, delete the objects beside the chart (a PersistentVolume is
    cluster-wide) and the namespace, waiting for each; returns what is still
    there afterwards (empty when nothing is)."""
    ns = release.namespace
    save_logs(ns)
    subprocess.run(uninstall_command(release.name, ns), capture_output=True, timeout=600)
    if (release.out_dir / MANIFESTS).exists():
        subprocess.run(["kubectl", "delete", "--namespace", ns, "--ignore-not-found", "--wait=true",
                        "-f", str(release.out_dir / MANIFESTS)], capture_output=True, timeout=600)
    subprocess.run(["kubectl", "delete", "namespace", ns, "--wait=true", "--timeout=10m", "--ignore-not-found"],
                   capture_output=True, timeout=900)
    try:
        wait_for(lambda: not leftovers(ns), 300, f"everything of namespace {ns} to be gone")
    except AssertionError:
        pass
    return leftovers(ns)


def save_logs(ns: str) -> None:
    """The hub's log and the namespace's pods and events, into test-artifacts/
    before they go with the namespace: what there is to read after a failure."""
    parts = []
    for args in (["logs", "deployment/hub", "--all-containers", "--tail=3000"],
                 ["get", "pods,pvc,events", "-o", "wide"]):
        out = subprocess.run(["kubectl", "--namespace", ns, *args], capture_output=True, text=True, timeout=120)
        parts.append(f"$ kubectl {' '.join(args)}\n{out.stdout}{out.stderr}")
    save_artifact(f"live-k8s-{ns}.log", "\n".join(parts))


def leftovers(ns: str) -> list[str]:
    left = []
    if subprocess.run(["kubectl", "get", "namespace", ns], capture_output=True).returncode == 0:
        left.append(f"namespace {ns}")
    # The chart's cluster-wide objects (the user scheduler's roles, priority
    # classes) are helm's to remove; volumes go with their claims.
    out = subprocess.run(["kubectl", "get", "clusterrole,clusterrolebinding,priorityclass,persistentvolume",
                          "-o", "json"], capture_output=True, text=True, timeout=120)
    for item in json.loads(out.stdout or '{"items": []}')["items"]:
        meta = item["metadata"]
        claim = (item.get("spec") or {}).get("claimRef") or {}
        if (meta.get("annotations") or {}).get("meta.helm.sh/release-namespace") == ns or claim.get("namespace") == ns:
            left.append(f'{item["kind"]} {meta["name"]}')
    return left
