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


# -- the delete: "kept" in the audit log only when the claim archived still stands --------------------------
def lost_answer(cluster):  # noqa: F811
    """The API server takes the delete; its answer never arrives."""
    from campushub.deploy.kubernetes.retention_api import ClusterError

    delete = cluster.delete_claim

    async def call(name, uid):
        await delete(name, uid)
        raise ClusterError(f"deleting claim {name}: cannot reach the Kubernetes API (Connection reset by peer)")
    cluster.delete_claim = call


def test_a_delete_whose_answer_was_lost_is_logged_deleted_with_a_note(cluster, tmp_path):  # noqa: F811
    cluster.add_project("churn-model")
    audit = AuditLog(tmp_path / "audit.jsonl")
    lost_answer(cluster)
    done = run(cluster, audit=audit)
    assert CLAIM not in cluster.claims
    assert [line["action"] for line in audit.read()] == ["archived", "verified", "deleted"]
    note = audit.read()[-1]["note"]
    assert "Connection reset by peer" in note and f"claim {CLAIM} is gone" in note and done["note"] == note


def test_a_refused_delete_is_kept_in_the_log(cluster, tmp_path):  # noqa: F811
    from campushub.deploy.kubernetes.retention_api import ClusterError

    cluster.add_project("churn-model")
    audit = AuditLog(tmp_path / "audit.jsonl")

    async def forbidden(name, uid):
        raise ClusterError(f"deleting claim {name} in namespace campushub: 403 Forbidden")
    cluster.delete_claim = forbidden
    with pytest.raises(RetentionError, match="403 Forbidden; claim project-churn-model kept: the archive .* is "
                                             "verified, delete the claim by hand"):
        run(cluster, audit=audit)
    assert CLAIM in cluster.claims
    last = audit.read()[-1]
    assert (last["action"], last["step"], last["home_kept"]) == ("failed", "delete", True)


def test_a_pod_listing_failing_after_the_delete_is_a_note(cluster, tmp_path):  # noqa: F811
    from campushub.deploy.kubernetes.retention_api import ClusterError

    cluster.add_project("churn-model")
    audit = AuditLog(tmp_path / "audit.jsonl")
    listing = cluster.pods

    async def pods():
        if any(c[0] == "delete_claim" for c in cluster.calls):
            raise ClusterError("listing pods in namespace campushub: 503 Service Unavailable")
        return await listing()
    cluster.pods = pods
    run(cluster, audit=audit)
    assert CLAIM not in cluster.claims and audit.read()[-1]["action"] == "deleted"
    assert "503" in audit.read()[-1]["note"] and not [line for line in audit.read() if line["action"] == "failed"]


def test_a_pod_starting_as_the_claim_is_deleted_is_named(cluster, tmp_path):  # noqa: F811
    cluster.add_project("churn-model")
    audit = AuditLog(tmp_path / "audit.jsonl")
    cluster.on_delete_claim = lambda name: cluster.add_pod("jupyter-carol", user="carol", claim=name)
    done = run(cluster, audit=audit)
    assert cluster.claims[CLAIM]["metadata"]["deletionTimestamp"]  # claim protection: it goes when carol stops
    assert "jupyter-carol started using the claim as it was deleted" in done["note"]
    assert audit.read()[-1]["action"] == "deleted" and "jupyter-carol" in audit.read()[-1]["note"]


def test_unknown_after_a_failed_delete_is_not_logged_kept(cluster, tmp_path):  # noqa: F811
    from campushub.deploy.kubernetes.retention_api import ClusterError

    cluster.add_project("churn-model")
    audit = AuditLog(tmp_path / "audit.jsonl")
    lost_answer(cluster)
    reading = cluster.claim

    async def claim(name):
        if any(c[0] == "delete_claim" for c in cluster.calls):
            raise ClusterError(f"reading claim {name}: 503 Service Unavailable")
        return await reading(name)
    cluster.claim = claim
    with pytest.raises(RetentionError, match=f"whether claim {CLAIM} is deleted is unknown .*get pvc {CLAIM}$"):
        run(cluster, audit=audit)
    last = audit.read()[-1]
    assert (last["action"], last["step"], last["home_kept"]) == ("failed", "delete", None)


def test_a_claim_made_again_before_the_delete_is_left_alone_not_logged_kept(cluster, tmp_path):  # noqa: F811
    cluster.add_project("churn-model")
    audit = AuditLog(tmp_path / "audit.jsonl")

    def replaced(job):  # deleted and made again by someone between the last check and the delete
        if job["metadata"]["labels"]["campushub/retention-step"] == "unchanged":
            cluster.claims[CLAIM]["metadata"]["uid"] = "uid-made-again"
    cluster.after_job = replaced
    with pytest.raises(RetentionError, match="409 Conflict: claim project-churn-model as archived is gone"):
        run(cluster, audit=audit)
    assert cluster.claims[CLAIM]["metadata"]["uid"] == "uid-made-again"
    assert audit.read()[-1]["home_kept"] is None
