"""A throwaway PostgreSQL in the test namespace for the hub's database: on
Kubernetes the hub always uses PostgreSQL (deploy/kubernetes/secrets.py),
and a real site brings its own (a managed database, an operator). Data on an
emptyDir: it goes with the namespace."""

from __future__ import annotations

NAME = "campushub-live-db"
IMAGE = "docker.io/library/postgres:16-alpine"
PORT = 5432


def manifests(password: str) -> list[dict]:
    labels = {"app.kubernetes.io/name": NAME}
    container = {
        "name": "postgres", "image": IMAGE, "imagePullPolicy": "IfNotPresent",
        "env": [{"name": "POSTGRES_USER", "value": "hub"}, {"name": "POSTGRES_DB", "value": "hub"},
                {"name": "POSTGRES_PASSWORD", "value": password}],
        "ports": [{"containerPort": PORT, "name": "postgres"}],
        "readinessProbe": {"exec": {"command": ["pg_isready", "-U", "hub", "-d", "hub"]}, "periodSeconds": 2},
        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
    }
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": NAME, "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [container], "volumes": [{"name": "data", "emptyDir": {}}]}}},
    }
    service = {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": NAME, "labels": labels},
        "spec": {"selector": labels, "ports": [{"name": "postgres", "port": PORT, "targetPort": PORT}]},
    }
    return [deployment, service]


def url(password: str) -> str:
    return f"postgresql://hub:{password}@{NAME}:{PORT}/hub"
