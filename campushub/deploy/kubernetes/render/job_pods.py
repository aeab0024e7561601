"""What a release needs for the pods of notebook jobs (deploy/kubernetes/job_pod.py builds them):
their labels, and a NetworkPolicy that lets them reach what a server may reach and nothing else
(the chart's policy selects server pods only, by their component label, which job pods must not
carry: the hub's pod reflector would take them for servers). No ingress: a job serves nothing.

Pure data, no Kubernetes client: the renderer runs without the kubernetes extra."""

from __future__ import annotations

from .network import server_egress

COMPONENT = "notebook-job"
LABELS = {"app.kubernetes.io/part-of": "campushub", "app.kubernetes.io/component": COMPONENT}
POLICY_NAME = "campushub-notebook-jobs"


def network_policy(config: dict) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": POLICY_NAME, "namespace": config["kubernetes"]["namespace"],
                         "labels": {"app.kubernetes.io/part-of": "campushub"}},
            "spec": {"podSelector": {"matchLabels": dict(LABELS)}, "policyTypes": ["Ingress", "Egress"],
                     "ingress": [], "egress": server_egress(config)}}
