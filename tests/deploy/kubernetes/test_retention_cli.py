"""`campushub retention plan|apply|restore|log --target kubernetes` as an
operator runs it against a release: people from a real hub's REST API (the
session's hub, reached with --url and CAMPUSHUB_API_TOKEN as a remote hub
is), homes on the release's claims.

There is no Kubernetes cluster where the tests run: Cluster.connect returns
the stand-in of retention_cluster.py, whose Jobs are validated and then run
for real on folders standing for the volumes. Everything else, the CLI, the
engine, the hub, the audit log, is the real one."""

from __future__ import annotations

import json

import pytest

from campushub.cli.main import main
from campushub.deploy.kubernetes import retention_api

from .retention_cluster import FakeCluster
from .test_retention_pvcs import fill_home, snapshot

ANN, BOB = "rk8s-ann", "rk8s-bob"


@pytest.fixture
def release(hub, tmp_path, monkeypatch, capsys):
    cluster = FakeCluster(tmp_path / "cluster")

    async def connect(namespace):
        assert namespace == "campushub-test"
        return cluster

    monkeypatch.setattr(retention_api.Cluster, "connect", staticmethod(connect))
    monkeypatch.setenv("CAMPUSHUB_API_TOKEN", hub.api_token)
    config = tmp_path / "campushub.yaml"
    config.write_text(json.dumps({
        "data_dir": str(tmp_path / "data"), "kubernetes": {"namespace": "campushub-test"},
        "retention": {"enabled": True, "rules": [{"group": "rk8s-finished"}],
                      "kubernetes": {"archive_volume": {"csi": {"driver": "gcsfuse.csi.storage.gke.io",
                                                                "volume_attributes": {"bucketName": "b"}}}}}}))
    for name in (ANN, BOB):
        assert hub.api("POST", f"users/{name}").status_code in (201, 409)
    hub.api("POST", "groups/rk8s-finished")
    assert hub.api("POST", "groups/rk8s-finished/users", json={"users": [ANN, BOB]}).status_code == 200

    def run(*args: str, target: str = "kubernetes") -> tuple[int, str]:
        capsys.readouterr()
        status = main(["retention", *args, "--target", target, "--config", str(config), "--url", hub.url])
        out = capsys.readouterr()
        return status, out.out + out.err

    yield cluster, run
    for name in (ANN, BOB):
        hub.api("DELETE", f"users/{name}")
    hub.api("DELETE", "groups/rk8s-finished")


def test_plan_apply_restore_and_log_on_a_release(release):
    cluster, run = release
    fill_home(cluster.add_claim(f"claim-{ANN}", ANN))
    before = snapshot(cluster.volume(f"claim-{ANN}"))
    cluster.add_claim(f"claim-{BOB}", BOB)
    cluster.add_pod(f"jupyter-{BOB}", BOB, f"claim-{BOB}")

    status, out = run("plan", "--json")
    assert status == 0
    plan = json.loads(out[out.index("{"):])
    items = {i["user"]: i for i in plan["items"]}
    assert plan["backend"] == "kubernetes" and set(items) == {ANN, BOB}
    assert items[ANN]["action"] == "archive" and items[ANN]["home"]["capacity"] == "10Gi"
    assert items[BOB]["action"] == "skip" and f"jupyter-{BOB}" in items[BOB]["why"]
    assert items[ANN]["home"]["files"] is None and not cluster.jobs  # sizes of claims only, no pod started
    status, out = run("plan", "--json", "--measure")
    measured = {i["user"]: i for i in json.loads(out[out.index("{"):])["items"]}
    assert status == 0 and measured[ANN]["home"]["files"] == 3 and measured[BOB]["home"]["files"] is None
    cluster.jobs.clear()

    status, out = run("apply", "--yes")
    assert status == 0, out
    assert f"claim-{ANN}" not in cluster.claims and f"claim-{BOB}" in cluster.claims
    jobs = [v["csi"]["driver"] for m in cluster.jobs.values() for v in m["spec"]["template"]["spec"]["volumes"]
            if v["name"] == "archive"]
    assert jobs == ["gcsfuse.csi.storage.gke.io"] * 3  # archive, verify, then the unchanged check, on the bucket
    assert all(m["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example.org/campushub-hub:running"
               for m in cluster.jobs.values())

    status, out = run("restore", ANN)
    assert status == 0, out
    assert snapshot(cluster.volume(f"claim-{ANN}")) == before

    status, out = run("log", "--json")
    actions = [(line["user"], line["action"]) for line in map(json.loads, out.splitlines())]
    assert [a for u, a in actions if u == ANN] == ["archived", "verified", "deleted", "restored"]
    assert (BOB, "skipped") in actions


def test_no_cluster_is_one_line(release, monkeypatch, capsys, hub, tmp_path):
    _, run = release

    async def unreachable(namespace):
        raise retention_api.ClusterError("no Kubernetes cluster to talk to (no kubeconfig); set KUBECONFIG")

    monkeypatch.setattr(retention_api.Cluster, "connect", staticmethod(unreachable))
    status, out = run("plan")
    assert status != 0 and "set KUBECONFIG" in out and "Traceback" not in out


def test_a_site_with_only_a_kubernetes_archive_volume_does_not_apply_locally(release):
    _, run = release
    status, out = run("apply", "--yes", target="local")
    assert status == 2 and "retention.archive_dir is not set" in out and "Traceback" not in out
