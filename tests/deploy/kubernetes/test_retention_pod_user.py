"""Retention Jobs as a real cluster runs them: as uid 1000, group 100 with
fsGroup 100, on volumes whose top folder is root's (root:100 2775, as the
kubelet leaves a fresh volume for the fsGroup) and which hold mkfs's
root-owned lost+found.

No cluster runs here: the Kubernetes API is the stand-in
retention_cluster.FakeCluster with as_pod_user=True, which runs each Job's
own command as the pod's securityContext says on such folders. Before the
fix the archive Job failed on lost+found and a restore into a fresh claim
failed twice: "not empty" (lost+found) and EPERM on the top folder's mode.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from campushub.deploy.kubernetes.retention_job import HOME, POD_SECURITY, job
from campushub.deploy.kubernetes.retention_pvcs import KubernetesHomes
from campushub.retention import apply as engine
from campushub.retention.archive import write_archive
from campushub.retention.audit import AuditLog
from campushub.retention.plan import make_plan
from campushub.retention.verify import load_manifest

from .retention_cluster import FakeCluster
from .test_retention_pvcs import NOW, fill_home, people, site

UID, GID = POD_SECURITY["runAsUser"], POD_SECURITY["runAsGroup"]


@pytest.fixture
def reachable():
    """A folder uid 1000 can reach (pytest's tmp_path is under root's 0700 folder)."""
    path = Path(tempfile.mkdtemp(prefix="chub-pod-user-"))
    os.chmod(path, 0o711)
    yield path
    shutil.rmtree(path)


def as_theirs(home: Path) -> None:
    for path in home.rglob("*"):
        if "lost+found" not in path.parts:
            os.lchown(path, UID, GID)


def contents(root: Path) -> dict:
    """What a restore must bring back; the top folder and lost+found are the volume's."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] == "lost+found":
            continue
        st = path.lstat()
        body = os.readlink(path) if path.is_symlink() else None if path.is_dir() else path.read_bytes()
        out[str(rel)] = (st.st_mode & 0o7777, st.st_uid, None if path.is_symlink() else st.st_mtime_ns, body)
    return out


def test_archive_and_restore_as_the_pod_user_on_root_owned_volumes(reachable):
    cluster = FakeCluster(reachable / "cluster", as_pod_user=True)
    config = site(reachable)
    audit = AuditLog(reachable / "data" / "retention" / "audit.jsonl")
    backend = KubernetesHomes(config, audit, cluster=cluster, poll=0)
    try:
        home = cluster.add_claim("claim-ann", "ann")
        fill_home(home)
        as_theirs(home)
        before = contents(home)
        assert os.stat(home).st_uid == 0 and os.stat(home / "lost+found").st_mode & 0o777 == 0o700

        (result,) = engine.apply_plan(make_plan(people("ann"), config, backend, NOW), backend, audit)
        assert result["outcome"] == "deleted", result
        archive = next(cluster.root.joinpath("archive").glob("ann-*.tar.gz"))
        assert os.stat(archive).st_uid == UID  # written by the Job's user, not root
        assert not [e for e in load_manifest(archive)["entries"] if e.startswith("lost+found")]

        # the claim is made again: a fresh volume, root's top folder and lost+found, nothing else
        restored = engine.restore("ann", backend, audit)
        again = cluster.volume("claim-ann")
        assert restored["location"] == "claim-ann" and sorted(p.name for p in again.iterdir()) != ["lost+found"]
        assert contents(again) == before
        assert os.stat(again).st_uid == 0 and os.stat(again / "lost+found").st_uid == 0
    finally:
        backend.close()


def test_the_restore_job_skips_an_archived_lost_found(reachable):
    """An archive that holds a lost+found (made before it was left out, or from a home where the person
    owned one) restores into a fresh volume without touching the file system's folder; the Job's own
    command line, run as uid 1000 with group 100."""
    home, volume, store = reachable / "home", reachable / "volume", reachable / "archive"
    (home / "lost+found").mkdir(parents=True)
    (home / "lost+found" / "#1234").write_text("recovered\n")
    (home / "work.txt").write_text("mine\n")
    store.mkdir()
    write_archive(home, store / "ann-1.tar.gz", "ann")
    os.chmod(store / "ann-1.tar.gz", 0o644)
    os.chmod(store / "ann-1.tar.gz.manifest.json", 0o644)
    volume.mkdir()
    os.chown(volume, 0, GID)
    os.chmod(volume, 0o2775)
    (volume / "lost+found").mkdir(mode=0o700)
    manifest = job("restore", user="ann", claim="claim-ann", archive="ann-1.tar.gz", image="hub", namespace="ns",
                   volume={"claim": "archives"}, stamp="1", timeout=60)
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    args = [a.replace(HOME, str(volume)).replace("/srv/archive", str(store)) for a in container["args"]]
    done = subprocess.run([sys.executable, *container["command"][1:], *args], capture_output=True, text=True,
                          user=UID, group=GID, extra_groups=[GID], timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (volume / "work.txt").read_text() == "mine\n" and os.stat(volume / "work.txt").st_uid == UID
    assert list((volume / "lost+found").iterdir()) == [] and os.stat(volume).st_mode & 0o7777 == 0o2775
