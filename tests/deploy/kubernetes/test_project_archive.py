"""A deleted project's claim on Kubernetes (deploy/kubernetes/project_archive.py):
archived and verified by the retention Jobs, and only then deleted.

No cluster runs here: FakeCluster (retention_cluster.py) stands in for the
API, validates each Job against the Kubernetes schema and really runs its
command on folders standing for the volumes, so the archive and verify
code is the real one on real files."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from campushub.config import validate
from campushub.config.errors import ConfigError
from campushub.deploy.kubernetes.project_archive import archive_and_delete
from campushub.deploy.kubernetes.render import projects as render_projects
from campushub.retention.audit import AuditLog
from campushub.retention.backend import RetentionError

from .retention_cluster import FakeCluster

SITE = validate({"retention": {"kubernetes": {"archive_volume": {"claim": "campushub-archives"}}}})


class ProjectCluster(FakeCluster):
    """FakeCluster with the one read the project step adds, and project claims."""

    async def claim(self, name: str) -> dict | None:
        self.calls.append(("claim", name))
        return json.loads(json.dumps(self.claims[name])) if name in self.claims else None

    def add_project(self, name: str):
        made = render_projects.claim(name, SITE["projects"]["kubernetes"], self.namespace)
        made["metadata"]["uid"] = f"uid-project-{name}"
        self.claims[made["metadata"]["name"]] = made
        folder = self.volume(made["metadata"]["name"])
        (folder / "data").mkdir(parents=True)
        (folder / "data" / "clients.csv").write_text("id,name\n1,Acme\n")
        (folder / "model.ipynb").write_text("{}")
        return folder


@pytest.fixture
def cluster(tmp_path):
    return ProjectCluster(tmp_path)


def run(cluster, name="churn-model", config=SITE, audit=None):
    return asyncio.run(archive_and_delete(cluster, config, name, audit, image="hub:test", poll=0))


def test_the_claim_is_archived_verified_then_deleted(cluster, tmp_path):
    cluster.add_project("churn-model")
    audit = AuditLog(tmp_path / "audit.jsonl")
    done = run(cluster, audit=audit)
    assert "project-churn-model" not in cluster.claims
    archive = cluster.root / "archive" / done["archive"].rsplit("/", 1)[1]
    assert archive.is_file() and done["files"] == 2
    assert [c[0] for c in cluster.calls if c[0] in ("create_job", "delete_claim")] == \
        ["create_job", "create_job", "create_job", "delete_claim"]  # archive, verify, unchanged; delete
    assert ("delete_claim", "project-churn-model", "uid-project-churn-model") in cluster.calls
    assert [line["action"] for line in audit.read()] == ["archived", "verified", "deleted"]
    assert {line["user"] for line in audit.read()} == {"project:churn-model"}
    # the archive comes back with retention's own restore step, into a new claim's folder
    into = tmp_path / "restored"
    into.mkdir()
    restored = subprocess.run([sys.executable, "-m", "campushub.retention.job", "restore", str(archive), str(into),
                               "--user=project:churn-model"], capture_output=True, text=True)
    assert restored.returncode == 0, restored.stdout
    assert (into / "data" / "clients.csv").read_text() == "id,name\n1,Acme\n"


def test_a_claim_in_use_is_left_alone(cluster):
    cluster.add_project("churn-model")
    cluster.add_pod("jupyter-bob", user="bob", claim="project-churn-model")
    with pytest.raises(RetentionError, match="jupyter-bob uses claim project-churn-model"):
        run(cluster)
    assert "project-churn-model" in cluster.claims and not cluster.jobs


def test_a_failed_archive_keeps_the_claim(cluster, tmp_path):
    cluster.add_project("churn-model")
    cluster.fail_jobs.add("archive")
    audit = AuditLog(tmp_path / "audit.jsonl")
    with pytest.raises(RetentionError, match="claim project-churn-model kept") as failed:
        run(cluster, audit=audit)
    assert "\n" not in str(failed.value)
    assert "project-churn-model" in cluster.claims
    assert not [c for c in cluster.calls if c[0] == "delete_claim"]
    assert audit.read()[-1]["action"] == "failed" and audit.read()[-1]["home_kept"] is True


def test_a_server_started_during_the_archive_keeps_the_claim(cluster, tmp_path):
    cluster.add_project("churn-model")
    audit = AuditLog(tmp_path / "audit.jsonl")

    def member_starts(job):
        if job["metadata"]["labels"]["campushub/retention-step"] == "verify":
            cluster.add_pod("jupyter-carol", user="carol", claim="project-churn-model")

    cluster.after_job = member_starts
    with pytest.raises(RetentionError, match="started using claim project-churn-model"):
        run(cluster, audit=audit)
    assert "project-churn-model" in cluster.claims
    assert audit.read()[-1]["action"] == "failed" and audit.read()[-1]["home_kept"] is True


def test_only_claims_campushub_made_for_the_project(cluster):
    cluster.add_claim("project-churn-model", user="someone")  # a home claim that happens to be named so
    with pytest.raises(RetentionError, match="not a project claim"):
        run(cluster)
    with pytest.raises(RetentionError, match="no claim project-pricing"):
        run(cluster, "pricing")
    with pytest.raises(ValueError, match="not a project name"):
        run(cluster, "../home")
    assert not cluster.jobs


def test_without_an_archive_volume_nothing_is_touched(cluster):
    cluster.add_project("churn-model")
    with pytest.raises(ConfigError, match="retention.kubernetes.archive_volume"):
        run(cluster, config=validate({}))
    assert "project-churn-model" in cluster.claims and not cluster.jobs


def test_the_command_asks_for_yes_first(tmp_path, capsys):
    from campushub.cli.main import main

    config = tmp_path / "campushub.yaml"
    config.write_text("retention:\n  kubernetes:\n    archive_volume: {claim: campushub-archives}\n")
    assert main(["k8s", "archive-project", "churn-model", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--yes" in err


def test_the_command_without_a_cluster_says_so_in_one_line(tmp_path, capsys, dummy_kubeconfig):
    # the dummy kubeconfig names 127.0.0.1:1: nothing answers there
    from campushub.cli.main import main

    config = tmp_path / "campushub.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n"
                      "retention:\n  kubernetes:\n    archive_volume: {claim: campushub-archives}\n")
    assert main(["k8s", "archive-project", "churn-model", "--config", str(config), "--yes"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "project churn-model" in err and "project-churn-model" in err
    assert not (tmp_path / "data" / "retention" / "audit.jsonl").exists()  # nothing was done


def test_the_command_prints_the_note_of_the_delete(tmp_path, capsys, monkeypatch):
    # the cluster side is tested above; here only what the operator reads when the delete left a note
    from campushub.cli.main import main
    from campushub.deploy.kubernetes import project_archive

    done = {"files": 3, "bytes": 10, "claim": "project-churn-model", "archive": "a.tar.gz",
            "note": "pod jupyter-bob began using claim project-churn-model during the delete"}
    monkeypatch.setattr(project_archive, "run", lambda config, name, audit: done)
    config = tmp_path / "campushub.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n"
                      "retention:\n  kubernetes:\n    archive_volume: {claim: campushub-archives}\n")
    assert main(["k8s", "archive-project", "churn-model", "--config", str(config), "--yes"]) == 0
    assert f"Note: {done['note']}" in capsys.readouterr().out
