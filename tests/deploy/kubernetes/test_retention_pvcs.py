"""Retention on Kubernetes (deploy/kubernetes/retention_pvcs.py): plan,
apply and restore of home claims, through the same engine as a local site
(campushub.retention plan/apply).

There is no Kubernetes cluster where these tests run, so the API is a
stand-in (retention_cluster.FakeCluster): claims and pods in memory, each
claim's volume a folder. Its Jobs are validated against the Kubernetes
schema and then really run (the Job's own command, on the folders its
volumes name), so archiving, verifying and extracting are the real code on
real files; the tests assert the API calls the backend makes (which claim is
deleted, with which uid precondition, which is not)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from campushub.config import ConfigError, validate
from campushub.deploy.kubernetes.retention_job import ARCHIVE
from campushub.deploy.kubernetes.retention_pvcs import KubernetesHomes
from campushub.retention import apply as engine
from campushub.retention.audit import AuditLog
from campushub.retention.backend import RetentionError
from campushub.retention.model import ARCHIVE as TO_ARCHIVE
from campushub.retention.model import SKIP, Person
from campushub.retention.plan import make_plan

from .retention_cluster import FakeCluster

NOW = datetime(2026, 12, 1, tzinfo=UTC)
FINISHED = "finished-2025"


def site(tmp_path: Path) -> dict:
    # archive_dir unset: on Kubernetes the archive volume alone says where archives go
    return validate({"retention": {"enabled": True, "except_groups": ["staff"], "rules": [{"group": FINISHED}],
                                   "kubernetes": {"archive_volume": {"claim": "campushub-archives"}}},
                     "data_dir": str(tmp_path / "data")})


def fill_home(home: Path) -> None:
    (home / "notebooks" / "empty").mkdir(parents=True)
    (home / "notebooks" / "a.ipynb").write_text('{"cells": []}\n')
    (home / "data.bin").write_bytes(os.urandom(300_000))
    (home / "script.sh").write_text("echo hi\n")
    os.chmod(home / "script.sh", 0o750)
    os.symlink("notebooks/a.ipynb", home / "link")
    os.symlink("/nowhere", home / "dangling")
    os.utime(home / "data.bin", ns=(1_600_000_000_123_456_789, 1_600_000_000_123_456_789))


def snapshot(root: Path) -> dict:
    """Everything a byte-for-byte restore must bring back, by path."""
    out = {}
    for path in sorted([root, *root.rglob("*")]):
        st = path.lstat()
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            out[rel] = ("dir", st.st_mode & 0o7777, st.st_mtime_ns if rel != "." else None)
        else:
            out[rel] = ("file", st.st_mode & 0o7777, st.st_mtime_ns, path.read_bytes())
    return out


@pytest.fixture
def world(tmp_path):
    cluster = FakeCluster(tmp_path / "cluster")
    config = site(tmp_path)
    audit = AuditLog(tmp_path / "data" / "retention" / "audit.jsonl")
    backend = KubernetesHomes(config, audit, cluster=cluster, poll=0)
    yield cluster, config, audit, backend
    backend.close()


def test_the_archive_volume_is_a_claim_or_a_bucket_not_both():
    with pytest.raises(ConfigError, match="retention.kubernetes.archive_volume: has both claim and csi"):
        validate({"retention": {"kubernetes": {"archive_volume": {
            "claim": "archives", "csi": {"driver": "gcsfuse.csi.storage.gke.io"}}}}})
    with pytest.raises(ConfigError, match="retention.archive_dir: retention is enabled but has nowhere"):
        validate({"retention": {"enabled": True}})


def test_without_an_archive_volume_nothing_starts(tmp_path):
    config = validate({"retention": {"archive_dir": "/srv/archive"}})
    with pytest.raises(ConfigError, match="retention.kubernetes.archive_volume: is not set"):
        KubernetesHomes(config, cluster=FakeCluster(tmp_path))


def people(*names: str, running: tuple[str, ...] = ()) -> list[Person]:
    return [Person(n, groups=(FINISHED,), running=n in running) for n in names]


def test_plan_is_what_apply_does_and_the_archive_restores_byte_for_byte(world):
    cluster, config, audit, backend = world
    fill_home(cluster.add_claim("claim-ann", "ann"))
    before = snapshot(cluster.volume("claim-ann"))
    cluster.add_claim("claim-bob", "bob")
    cluster.add_pod("jupyter-bob", "bob", "claim-bob")  # bob's server runs
    cluster.add_claim("claim-cid", "cid")
    cluster.add_claim("claim-cid--extra", "cid", server="extra")  # a named server's claim
    cluster.add_claim("claim-dan", "dan")
    cluster.add_pod("someone-elses-job", claim="claim-dan", component="backup")  # another pod mounts dan's claim
    cluster.add_claim("claim-fay", "fay")
    cluster.add_pod("old-retention-job", claim="claim-fay", phase="Succeeded")  # ended: does not count
    everyone = [*people("ann", "bob", "cid", "dan", "eve", "fay"), Person("gus", groups=("other",))]

    plan = make_plan(everyone, config, backend, NOW)
    planned = {i.user.name: (i.action, i.why) for i in plan.items}
    assert set(planned) == {"ann", "bob", "cid", "dan", "eve", "fay"}  # gus is in no rule
    assert planned["ann"] == (TO_ARCHIVE, "") and planned["fay"] == (TO_ARCHIVE, "")
    assert planned["bob"][0] == SKIP and "jupyter-bob" in planned["bob"][1]
    assert planned["cid"][0] == SKIP and "claim-cid--extra" in planned["cid"][1]
    assert planned["dan"][0] == SKIP and "someone-elses-job" in planned["dan"][1]
    assert planned["eve"] == (SKIP, "no home to archive")
    ann = next(i for i in plan.items if i.user.name == "ann")
    assert ann.home.location == "claim-ann" and ann.home.files is None  # unknown until a Job reads it
    assert ann.archive.startswith(f"{ARCHIVE}/ann-") and ann.archive.endswith(".tar.gz")
    uid = cluster.claims["claim-ann"]["metadata"]["uid"]

    results = {r["user"]: r for r in engine.apply_plan(plan, backend, audit)}
    assert {u: r["outcome"] for u, r in results.items()} == {
        "ann": "deleted", "fay": "deleted", "bob": "skipped", "cid": "skipped", "dan": "skipped", "eve": "skipped"}
    # exactly the planned claims went, each with its uid as precondition
    deleted = [c for c in cluster.calls if c[0] == "delete_claim"]
    assert sorted(d[1] for d in deleted) == ["claim-ann", "claim-fay"] and ("delete_claim", "claim-ann", uid) in deleted
    assert set(cluster.claims) == {"claim-bob", "claim-cid", "claim-cid--extra", "claim-dan"}
    archive = cluster.root / "archive" / Path(ann.archive).name
    assert archive.is_file() and archive.with_name(archive.name + ".manifest.json").is_file()
    assert results["ann"]["files"] == 3  # a.ipynb, data.bin, script.sh: links are not files
    actions = [(line["user"], line["action"]) for line in audit.read()]
    assert [a for u, a in actions if u == "ann"] == ["archived", "verified", "deleted"]
    archived = next(line for line in audit.read() if line["user"] == "ann" and line["action"] == "archived")
    assert archived["home"] == "claim-ann"

    # the claim comes back as KubeSpawner made it, then the archive into it
    restored = engine.restore("ann", backend, audit)
    assert restored["location"] == "claim-ann" and restored["archive"] == ann.archive
    assert ("create_claim", "claim-ann") in cluster.calls
    claim = cluster.claims["claim-ann"]
    assert claim["metadata"]["annotations"] == {"hub.jupyter.org/username": "ann"}
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert snapshot(cluster.volume("claim-ann")) == before
    assert audit.read()[-1]["action"] == "restored"


def test_a_failed_or_corrupted_verification_keeps_the_claim(world):
    cluster, config, audit, backend = world
    fill_home(cluster.add_claim("claim-ann", "ann"))
    fill_home(cluster.add_claim("claim-bob", "bob"))

    def cut_bobs_archive(job):  # storage that lost the end of bob's archive after the archive Job
        if job["metadata"]["labels"]["campushub/retention-step"] == "archive" and "bob" in str(job):
            archive = next((cluster.root / "archive").glob("bob-*.tar.gz"))
            archive.write_bytes(archive.read_bytes()[:-5000])

    cluster.after_job = cut_bobs_archive
    plan = make_plan(people("ann", "bob"), config, backend, NOW)
    cluster.fail_jobs = {"verify"}
    # a run of its own (its archive, whose verify failed, keeps its name: another run never writes over it)
    other = make_plan(people("ann"), config, backend, NOW.replace(second=1))
    first = {r["user"]: r for r in engine.apply_plan(other, backend, audit)}
    assert first["ann"]["outcome"] == "failed" and first["ann"]["step"] == "verify"
    assert "Job was active longer" in first["ann"]["why"] and "kubectl" in first["ann"]["why"]
    cluster.fail_jobs = set()
    results = {r["user"]: r for r in engine.apply_plan(plan, backend, audit)}
    assert results["bob"]["outcome"] == "failed" and results["bob"]["step"] == "verify"
    assert results["ann"]["outcome"] == "deleted"
    assert "claim-bob" in cluster.claims and (cluster.volume("claim-bob") / "data.bin").is_file()
    assert not [c for c in cluster.calls if c[0] == "delete_claim" and c[1] == "claim-bob"]
    failed = [line for line in audit.read() if line["action"] == "failed"]
    assert {line["user"] for line in failed} == {"ann", "bob"} and all(line["home_kept"] for line in failed)


def test_a_server_started_during_the_archive_keeps_the_claim(world):
    cluster, config, audit, backend = world
    fill_home(cluster.add_claim("claim-ann", "ann"))

    def ann_logs_in(job):
        if job["metadata"]["labels"]["campushub/retention-step"] == "verify":
            cluster.add_pod("jupyter-ann", "ann", "claim-ann")

    cluster.after_job = ann_logs_in
    (result,) = engine.apply_plan(make_plan(people("ann"), config, backend, NOW), backend, audit)
    assert result["outcome"] == "failed" and "jupyter-ann" in result["why"]
    assert "claim-ann" in cluster.claims and not [c for c in cluster.calls if c[0] == "delete_claim"]


def test_a_server_starting_as_the_claim_is_deleted_is_reported(world):
    cluster, config, audit, backend = world
    fill_home(cluster.add_claim("claim-ann", "ann"))
    cluster.on_delete_claim = lambda name: cluster.add_pod("jupyter-ann", "ann", name)
    (result,) = engine.apply_plan(make_plan(people("ann"), config, backend, NOW), backend, audit)
    assert result["outcome"] == "deleted" and "jupyter-ann started using the claim" in result["why"]
    assert cluster.claims["claim-ann"]["metadata"]["deletionTimestamp"]  # kept until the pod stops
    assert "jupyter-ann" in audit.read()[-1]["note"]


def test_measured_homes_in_the_plan_and_a_home_changed_since_is_kept(world):
    cluster, config, audit, _ = world
    backend = KubernetesHomes(config, audit, cluster=cluster, poll=0, measure=True)
    fill_home(cluster.add_claim("claim-ann", "ann"))
    fill_home(cluster.add_claim("claim-bob", "bob"))
    cluster.add_claim("claim-cid", "cid")
    cluster.add_pod("jupyter-cid", "cid", "claim-cid")  # in use: not measured (its pod may be on another node)
    plan = make_plan(people("ann", "bob", "cid"), config, backend, NOW)
    homes = {i.user.name: i.home for i in plan.items}
    assert (homes["ann"].files, homes["ann"].bytes) == (3, 300_000 + len('{"cells": []}\n') + len("echo hi\n"))
    assert homes["cid"].files is None and homes["cid"].capacity == "10Gi"
    steps = [j["metadata"]["labels"]["campushub/retention-step"] for j in cluster.jobs.values()]
    assert steps == ["measure", "measure"]
    (cluster.volume("claim-bob") / "late.txt").write_text("written after the plan\n")
    results = {r["user"]: r for r in engine.apply_plan(plan, backend, audit)}
    assert results["ann"]["outcome"] == "deleted"
    assert results["bob"]["outcome"] == "failed" and "changed since the plan" in results["bob"]["why"]
    assert "claim-bob" in cluster.claims
    backend.close()


def test_a_claim_made_again_meanwhile_is_not_deleted(world):
    cluster, config, audit, backend = world
    fill_home(cluster.add_claim("claim-ann", "ann"))

    def replaced(job):  # deleted and made again by someone (new uid, same name)
        if job["metadata"]["labels"]["campushub/retention-step"] == "unchanged":
            cluster.claims["claim-ann"]["metadata"]["uid"] = "uid-someone-elses"

    cluster.after_job = replaced
    (result,) = engine.apply_plan(make_plan(people("ann"), config, backend, NOW), backend, audit)
    assert result["outcome"] == "failed" and "409" in result["why"]
    assert "claim-ann" in cluster.claims


def test_restore_refuses_a_running_server_and_a_non_empty_home(world):
    cluster, config, audit, backend = world
    fill_home(cluster.add_claim("claim-ann", "ann"))
    (result,) = engine.apply_plan(make_plan(people("ann"), config, backend, NOW), backend, audit)
    assert result["outcome"] == "deleted"
    # ann logged in again: KubeSpawner made a new claim, and she wrote into it
    (cluster.add_claim("claim-ann", "ann") / "new.txt").write_text("since\n")
    cluster.add_pod("jupyter-ann", "ann", "claim-ann")
    with pytest.raises(RetentionError, match="jupyter-ann"):
        engine.restore("ann", backend, audit)
    cluster.pods_now.clear()
    with pytest.raises(RetentionError, match="is not empty; give --force"):
        engine.restore("ann", backend, audit)  # not empty, no --force
    assert (cluster.volume("claim-ann") / "new.txt").read_text() == "since\n"
    assert [line["action"] for line in audit.read()][-2:] == ["failed", "failed"]


def test_a_spawn_requested_after_the_plan_keeps_the_claim(tmp_path):
    """The hub says ann's server is starting (KubeSpawner has made no pod yet): the plan's Person.running is
    stale, the backend asks the hub again (a stand-in for cli/retention.py's REST call) before the delete."""
    cluster = FakeCluster(tmp_path / "cluster")
    config = site(tmp_path)
    audit = AuditLog(tmp_path / "data" / "retention" / "audit.jsonl")
    starting = set()
    backend = KubernetesHomes(config, audit, cluster=cluster, poll=0, running=lambda name: name in starting)
    fill_home(cluster.add_claim("claim-ann", "ann"))

    def ann_logs_in(job):
        if job["metadata"]["labels"]["campushub/retention-step"] == "verify":
            starting.add("ann")

    cluster.after_job = ann_logs_in
    (result,) = engine.apply_plan(make_plan(people("ann"), config, backend, NOW), backend, audit)
    assert result["outcome"] == "failed" and "running or starting" in result["why"]
    assert "claim-ann" in cluster.claims and not [c for c in cluster.calls if c[0] == "delete_claim"]
    backend.close()
