"""The last steps of `campushub k8s archive-project` (deploy/kubernetes/project_archive.py):
the check that the claim is still as archived, and what the audit log says about the delete.

No cluster runs here: ProjectCluster/FakeCluster (retention_cluster.py) stand in for the
Kubernetes API and really run each Job's command on folders standing for the volumes."""

from __future__ import annotations

import os

import pytest

from campushub.retention.audit import AuditLog
from campushub.retention.backend import RetentionError

from .test_project_archive import cluster, run  # noqa: F401 (the fixture)

CLAIM = "project-churn-model"


def steps(cluster) -> list[str]:  # noqa: F811
    return [j["metadata"]["labels"]["campushub/retention-step"] for j in cluster.jobs.values()]


def after_archive(cluster, change):  # noqa: F811
    def hook(job):
        if job["metadata"]["labels"]["campushub/retention-step"] == "archive":
            change(cluster.volume(CLAIM))
    cluster.after_job = hook


def new_notebook(folder):  # a member's server started after the archive Job, saved, stopped: no pod left
    (folder / "late.ipynb").write_text("two weeks of work")


def same_size_edit(folder):  # rewritten in place, same size: only the mtime tells
    path = folder / "model.ipynb"
    before = path.stat().st_mtime_ns
    path.write_text("[]")
    os.utime(path, ns=(before + 10**9, before + 10**9))


@pytest.mark.parametrize("change", [new_notebook, same_size_edit])
def test_work_written_after_the_archive_keeps_the_claim(cluster, tmp_path, change):  # noqa: F811
    folder = cluster.add_project("churn-model")
    audit = AuditLog(tmp_path / "audit.jsonl")
    after_archive(cluster, change)
    with pytest.raises(RetentionError, match="changed after it was archived") as failed:
        run(cluster, audit=audit)
    assert "\n" not in str(failed.value) and f"claim {CLAIM} kept: run archive-project again" in str(failed.value)
    assert CLAIM in cluster.claims and not [c for c in cluster.calls if c[0] == "delete_claim"]
    assert folder.is_dir() and (folder / "model.ipynb").exists()
    assert steps(cluster) == ["archive", "verify", "unchanged"]
    unchanged = [j for j in cluster.jobs.values() if j["metadata"]["labels"]["campushub/retention-step"]
                 == "unchanged"][0]
    mounts = unchanged["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {m["name"] for m in mounts} >= {"home", "archive"} and all(
        m["readOnly"] for m in mounts if m["name"] in ("home", "archive"))
    last = audit.read()[-1]
    assert (last["action"], last["step"], last["home_kept"]) == ("failed", "delete", True)
    assert "changed after it was archived" in last["why"]


def test_an_untouched_claim_is_checked_then_deleted(cluster, tmp_path):  # noqa: F811
    cluster.add_project("churn-model")
    after_archive(cluster, lambda folder: (folder / "data" / "clients.csv").read_text())  # reading changes nothing
    run(cluster, audit=AuditLog(tmp_path / "audit.jsonl"))
    assert steps(cluster) == ["archive", "verify", "unchanged"] and CLAIM not in cluster.claims
