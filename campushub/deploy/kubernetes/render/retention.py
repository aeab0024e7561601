"""What `campushub retention ... --target kubernetes` needs of the cluster:
a Role in the release's namespace with exactly the calls it makes
(retention_api.py), for the operator to bind to their own account. The
hub's service account is not given them: archiving and deleting homes is an
operator's action, not something the hub does. Written only when retention
has a Kubernetes archive volume."""

from __future__ import annotations

ROLE = "campushub-retention-operator"


def wanted(config: dict) -> bool:
    volume = config["retention"]["kubernetes"]["archive_volume"]
    return bool(volume.get("claim") or volume.get("csi"))


def values(config: dict) -> dict:
    return {}


def manifests(config: dict) -> list[dict]:
    if not wanted(config):
        return []
    return [{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
             "metadata": {"name": ROLE, "namespace": config["kubernetes"]["namespace"],
                          "labels": {"app.kubernetes.io/part-of": "campushub",
                                     "app.kubernetes.io/component": "retention"}},
             "rules": [{"apiGroups": [""], "resources": ["persistentvolumeclaims"],
                        "verbs": ["get", "list", "create", "delete"]},
                       {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
                       {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
                       {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "create", "delete"]}]}]


def notes(config: dict) -> list[str]:
    if not wanted(config):
        return []
    namespace = config["kubernetes"]["namespace"]
    return [f"Retention runs from an operator's machine (campushub retention ... --target kubernetes): bind the "
            f"Role {ROLE} to the operators' accounts, e.g. `kubectl -n {namespace} create rolebinding "
            f"{ROLE} --role {ROLE} --user you@example.org`; the archive volume must be writable by uid 1000, "
            "group 100."]
