"""The documented bucket example (GKE's Cloud Storage FUSE driver) as the
Jobs get it (review 14B finding 5): GKE injects the FUSE sidecar only into
a pod annotated gke-gcsfuse/volumes: "true", and the driver authenticates
as the pod's service account (Workload Identity), so a Job without both
could never mount the bucket. Manifests built offline and checked with
kubernetes-validate (strict); no cluster here."""

from __future__ import annotations

import kubernetes_validate
import pytest

from campushub.config import ConfigError, validate
from campushub.deploy.kubernetes.retention_job import job

from .chart import KUBERNETES_VERSIONS

BUCKET = {"csi": {"driver": "gcsfuse.csi.storage.gke.io",
                  "volume_attributes": {"bucketName": "uni-archives", "mountOptions": "uid=1000,gid=100"}},
          "service_account": "campushub-archiver"}


def build(action: str, volume: dict) -> dict:
    manifest = job(action, user="ann", claim="claim-ann", archive="ann-x.tar.gz", image="hub:1",
                   namespace="campushub", volume=volume, stamp="1", timeout=600)
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(manifest, version, strict=True)
    return manifest


@pytest.mark.parametrize("action", ["archive", "verify", "unchanged", "restore"])
def test_jobs_on_a_gcs_bucket_get_the_sidecar_and_the_service_account(action):
    pod = build(action, BUCKET)["spec"]["template"]
    assert pod["metadata"]["annotations"]["gke-gcsfuse/volumes"] == "true"
    assert pod["spec"]["serviceAccountName"] == "campushub-archiver"
    assert pod["spec"]["automountServiceAccountToken"] is False  # the driver gets its token from the kubelet
    (archive,) = [v for v in pod["spec"]["volumes"] if v["name"] == "archive"]
    assert archive["csi"]["volumeAttributes"]["mountOptions"] == "uid=1000,gid=100"


def test_no_annotation_or_account_where_none_is_needed():
    measure = build("measure", BUCKET)["spec"]["template"]  # mounts no bucket
    assert "gke-gcsfuse/volumes" not in measure["metadata"]["annotations"]
    plain = build("archive", {"claim": "archives"})["spec"]["template"]
    assert "gke-gcsfuse/volumes" not in plain["metadata"]["annotations"]
    assert "serviceAccountName" not in plain["spec"]


def test_a_service_account_without_a_volume_is_refused():
    with pytest.raises(ConfigError, match="archive_volume.service_account: only means something with claim"):
        validate({"retention": {"kubernetes": {"archive_volume": {"service_account": "x"}}}})
    config = validate({"retention": {"kubernetes": {"archive_volume": BUCKET}}})
    assert config["retention"]["kubernetes"]["archive_volume"]["service_account"] == "campushub-archiver"
