"""The retention Jobs (deploy/kubernetes/retention_job.py), built without a
cluster and checked against the Kubernetes API's own schema with
kubernetes-validate in strict mode, for the oldest Kubernetes the chart
supports and the newest the validator knows. No cluster runs here: nothing
is sent anywhere."""

from __future__ import annotations

import kubernetes_validate
import pytest

from campushub.deploy.kubernetes.retention_job import ARCHIVE, HOME, POD_SECURITY, job, job_name, recreated_claim

from .chart import KUBERNETES_VERSIONS
from .test_cluster import cluster  # noqa: F401 (the opt-in real-cluster fixture)

CLAIM_VOLUME = {"claim": "campushub-archives"}
NAME = "kim.lee-uni-1a2b3c4d-20260101T000000Z.tar.gz"
BUCKET = {"csi": {"driver": "gcsfuse.csi.storage.gke.io", "volume_attributes": {"bucketName": "uni-archives"}}}


def build(action: str, volume: dict = CLAIM_VOLUME, **extra) -> dict:
    manifest = job(action, user="kim.lee@uni", claim="claim-kim-2elee-40uni", archive=NAME,
                   image="registry.example.org/campushub-hub:abc", namespace="campushub", volume=volume,
                   stamp="20260101T000000Z", timeout=3600, **extra)
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(manifest, version, strict=True)
    return manifest


def mounts(manifest: dict) -> dict[str, dict]:
    spec = manifest["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    return {m["mountPath"]: {**m, "volume": volumes[m["name"]]} for m in spec["containers"][0]["volumeMounts"]}


@pytest.mark.parametrize("volume", [CLAIM_VOLUME, BUCKET], ids=["claim", "bucket"])
def test_archive_reads_the_home_and_writes_only_the_archive(volume):
    m = mounts(build("archive", volume))
    assert m[HOME]["readOnly"] and m[HOME]["volume"]["persistentVolumeClaim"] == {
        "claimName": "claim-kim-2elee-40uni", "readOnly": True}
    assert not m[ARCHIVE]["readOnly"]
    source = m[ARCHIVE]["volume"].get("persistentVolumeClaim") or m[ARCHIVE]["volume"]["csi"]
    assert source["readOnly"] is False


@pytest.mark.parametrize("action", ["verify", "restore"])
def test_verify_and_restore_never_write_the_archive(action):
    m = mounts(build(action, BUCKET))
    assert m[ARCHIVE]["readOnly"] and m[ARCHIVE]["volume"]["csi"]["readOnly"] is True
    assert m[ARCHIVE]["volume"]["csi"]["volumeAttributes"] == {"bucketName": "uni-archives"}
    # a restore writes the home; verify reads the archive alone, so it can run on any node
    if action == "restore":
        assert m[HOME]["readOnly"] is False
    else:
        assert HOME not in m and set(m) == {ARCHIVE, "/tmp"}


def test_measure_reads_the_home_and_mounts_no_archive():
    m = mounts(build("measure"))
    assert set(m) == {HOME, "/tmp"} and m[HOME]["readOnly"]
    assert build("measure")["spec"]["template"]["spec"]["containers"][0]["args"] == ["measure", HOME]


def test_the_job_runs_as_the_person_never_as_root_once_and_says_what_it_is():
    manifest = build("restore", force=True)
    pod = manifest["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"] == POD_SECURITY and POD_SECURITY["runAsUser"] == 1000
    assert POD_SECURITY["runAsGroup"] == 100 and POD_SECURITY["runAsNonRoot"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert pod["automountServiceAccountToken"] is False and pod["restartPolicy"] == "Never"
    assert manifest["spec"]["backoffLimit"] == 0 and manifest["spec"]["activeDeadlineSeconds"] == 3600
    assert container["command"][-1] == "campushub.retention.job"
    # the job refuses an archive of anyone else (an operator's wrong --archive)
    assert container["args"] == ["restore", f"{ARCHIVE}/{NAME}", HOME, "--user=kim.lee@uni", "--force"]
    assert manifest["metadata"]["annotations"]["hub.jupyter.org/username"] == "kim.lee@uni"
    archive = build("archive")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert archive == ["archive", HOME, f"{ARCHIVE}/{NAME}", "--user=kim.lee@uni"]
    assert build("verify")["spec"]["template"]["spec"]["containers"][0]["args"] == ["verify", f"{ARCHIVE}/{NAME}"]


def test_job_names_are_valid_and_distinct():
    long_claim = "claim-" + "x" * 200
    names = {job_name(a, c, s) for a in ("archive", "verify") for c in ("claim-a", long_claim)
             for s in ("20260101T000000Z", "20260101T000001Z")}
    assert len(names) == 8
    assert all(len(n) <= 63 and n[-1].isalnum() for n in names)
    with pytest.raises(ValueError):
        build("delete")


def test_recreated_claim_is_the_one_kubespawner_made():
    saved = {"name": "claim-kim", "storage": "10Gi", "access_modes": ["ReadWriteOnce"], "storage_class": "fast",
             "labels": {"component": "singleuser-storage", "hub.jupyter.org/username": "kim"},
             "annotations": {"hub.jupyter.org/username": "kim"}}
    claim = recreated_claim(saved, "campushub")
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(claim, version, strict=True)
    assert claim["metadata"]["name"] == "claim-kim" and claim["spec"]["storageClassName"] == "fast"
    assert claim["metadata"]["labels"]["component"] == "singleuser-storage"
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"


def test_the_release_carries_a_role_with_exactly_the_calls_retention_makes():
    from campushub.config import validate
    from campushub.deploy.kubernetes.render.retention import ROLE
    from campushub.deploy.kubernetes.render.values import render

    plain = render(validate({}))
    assert not [m for m in plain.manifests if m["kind"] == "Role" and m["metadata"]["name"] == ROLE]
    rendered = render(validate({"retention": {"kubernetes": {"archive_volume": {"claim": "archives"}}}}))
    (role,) = [m for m in rendered.manifests if m["kind"] == "Role" and m["metadata"]["name"] == ROLE]
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(role, version, strict=True)
    granted = {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]
               for v in rule["verbs"]}
    # retention_api.Cluster's calls, and nothing more (no update, patch, watch, secrets, ...)
    assert granted == {("", "persistentvolumeclaims", v) for v in ("get", "list", "create", "delete")} | {
        ("", "pods", "get"), ("", "pods", "list"), ("", "pods/log", "get"),
        ("batch", "jobs", "get"), ("batch", "jobs", "create"), ("batch", "jobs", "delete")}
    assert any(ROLE in note and "rolebinding" in note for note in rendered.notes)


@pytest.mark.kubernetes
@pytest.mark.parametrize("action", ["measure", "archive", "verify", "restore"])
def test_api_server_accepts_the_jobs(cluster, action):  # noqa: F811 (the fixture imported above)
    """Opt-in (CAMPUSHUB_K8S_TEST=1, as test_cluster.py): each Job sent to a
    real API server as a server-side dry run, so its admission checks judge
    it and nothing is created."""
    import asyncio

    from kubernetes_asyncio import client
    from kubernetes_asyncio import config as kube_config

    kubeconfig, namespace = cluster
    manifest = build(action)
    manifest["metadata"]["namespace"] = namespace

    async def dry_run() -> dict:
        configuration = client.Configuration()
        await kube_config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
        async with client.ApiClient(configuration) as api:
            made = await client.BatchV1Api(api).create_namespaced_job(namespace, manifest, dry_run="All")
            return api.sanitize_for_serialization(made)

    made = asyncio.run(dry_run())
    assert made["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 1000
    assert made["spec"]["backoffLimit"] == 0
