"""Which claims are a person's home on Kubernetes, as the plan shows it
(review 14B finding 6): two default claims, or only named servers' claims,
are homes retention must not archive alone, and the plan says so ("archive
them by hand") rather than "no home to archive".

No cluster here: the Kubernetes API is the stand-in
retention_cluster.FakeCluster."""

from __future__ import annotations

from campushub.retention import apply as engine
from campushub.retention.model import SKIP
from campushub.retention.plan import make_plan

from .test_retention_pvcs import NOW, people, world  # noqa: F401 (the fixture)


def test_several_or_only_named_claims_are_skipped_with_the_reason(world):  # noqa: F811
    cluster, config, audit, backend = world
    (cluster.add_claim("claim-ann", "ann") / "work.txt").write_text("x")
    (cluster.add_claim("claim-ann-legacy", "ann") / "old.txt").write_text("y")
    (cluster.add_claim("claim-bob--proj", "bob", server="proj") / "w.txt").write_text("z")
    plan = make_plan(people("ann", "bob", "cid"), config, backend, NOW)
    got = {i.user.name: i for i in plan.items}
    assert got["ann"].action == SKIP and "has 2 home claims (claim-ann, claim-ann-legacy)" in got["ann"].why
    assert got["ann"].home.location == "claim-ann, claim-ann-legacy"
    assert got["bob"].action == SKIP and "named-server claims (claim-bob--proj)" in got["bob"].why
    assert "archive them by hand" in got["bob"].why
    assert got["cid"].why == "no home to archive"
    results = engine.apply_plan(plan, backend, audit)
    assert {r["outcome"] for r in results} == {"skipped"} and not cluster.jobs
    assert set(cluster.claims) == {"claim-ann", "claim-ann-legacy", "claim-bob--proj"}


def test_restore_waits_for_a_start_the_hub_has_accepted(tmp_path):
    """The hub says ann's server is starting (no pod yet): the restore must not write under it. The hub's
    answer is a stand-in for cli/retention.py's REST call; the API is the stand-in cluster."""
    import pytest

    from campushub.deploy.kubernetes.retention_pvcs import KubernetesHomes
    from campushub.retention.audit import AuditLog
    from campushub.retention.backend import RetentionError

    from .retention_cluster import FakeCluster
    from .test_retention_pvcs import fill_home, site

    cluster, starting = FakeCluster(tmp_path / "cluster"), set()
    audit = AuditLog(tmp_path / "audit.jsonl")
    backend = KubernetesHomes(site(tmp_path), audit, cluster=cluster, poll=0, running=lambda n: n in starting)
    try:
        fill_home(cluster.add_claim("claim-ann", "ann"))
        (result,) = engine.apply_plan(make_plan(people("ann"), site(tmp_path), backend, NOW), backend, audit)
        assert result["outcome"] == "deleted"
        starting.add("ann")
        with pytest.raises(RetentionError, match="running or starting"):
            engine.restore("ann", backend, audit)
        assert "claim-ann" not in cluster.claims  # nothing made, nothing written
        starting.clear()
        assert engine.restore("ann", backend, audit)["location"] == "claim-ann"
    finally:
        backend.close()
