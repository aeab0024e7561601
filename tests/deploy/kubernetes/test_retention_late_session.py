"""A session between the archive Job and the delete (review 14B finding 2):
the person's server starts after the archive Job read the claim, they save
work, and the server stops before apply deletes the claim. No pod mounts
the claim by then and the hub says nothing runs, so only the home's files
can tell; the unchanged Job compares them with the archive's manifest.

There is no cluster here: the Kubernetes API is the stand-in
retention_cluster.FakeCluster, which runs each Job's real command on
folders."""

from __future__ import annotations

from campushub.retention import apply as engine
from campushub.retention.plan import make_plan

from .test_retention_pvcs import NOW, fill_home, people, world  # noqa: F401 (the fixture)


def steps(cluster) -> list[str]:
    return [j["metadata"]["labels"]["campushub/retention-step"] for j in cluster.jobs.values()]


def test_work_saved_after_the_archive_keeps_the_claim(world):  # noqa: F811
    cluster, config, audit, backend = world
    fill_home(cluster.add_claim("claim-ann", "ann"))

    def session(job):  # started after the archive Job, saved, stopped: no pod left, nothing running
        if job["metadata"]["labels"]["campushub/retention-step"] == "archive":
            (cluster.volume("claim-ann") / "thesis.ipynb").write_text("two weeks of work")

    cluster.after_job = session
    (result,) = engine.apply_plan(make_plan(people("ann"), config, backend, NOW), backend, audit)
    assert result["outcome"] == "failed" and result["step"] == "delete"
    assert "changed after it was archived: the home was used since" in result["why"]
    assert "claim-ann" in cluster.claims and not [c for c in cluster.calls if c[0] == "delete_claim"]
    assert (cluster.volume("claim-ann") / "thesis.ipynb").read_text() == "two weeks of work"
    assert steps(cluster) == ["archive", "verify", "unchanged"]
    unchanged = next(j for j in cluster.jobs.values() if j["metadata"]["labels"]["campushub/retention-step"]
                     == "unchanged")
    mounts = unchanged["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert all(m["readOnly"] for m in mounts if m["name"] in ("home", "archive"))
    assert audit.read()[-1]["action"] == "failed" and audit.read()[-1]["home_kept"] is True


def test_an_untouched_home_is_checked_and_deleted(world):  # noqa: F811
    cluster, config, audit, backend = world
    fill_home(cluster.add_claim("claim-ann", "ann"))
    (result,) = engine.apply_plan(make_plan(people("ann"), config, backend, NOW), backend, audit)
    assert result["outcome"] == "deleted" and "claim-ann" not in cluster.claims
    assert steps(cluster) == ["archive", "verify", "unchanged"]


def test_a_failed_pod_listing_after_the_delete_is_a_note_not_home_kept(world):  # noqa: F811
    """The claim is gone once the API took the delete: a later error must not log "home kept"."""
    from campushub.deploy.kubernetes.retention_api import ClusterError

    cluster, config, audit, backend = world
    fill_home(cluster.add_claim("claim-ann", "ann"))
    listing = cluster.pods

    async def pods_after_the_delete():
        if any(c[0] == "delete_claim" for c in cluster.calls):
            raise ClusterError("listing pods in namespace campushub: 503 Service Unavailable")
        return await listing()

    cluster.pods = pods_after_the_delete
    (result,) = engine.apply_plan(make_plan(people("ann"), config, backend, NOW), backend, audit)
    assert result["outcome"] == "deleted" and "503" in result["why"] and "claim-ann" not in cluster.claims
    assert audit.read()[-1]["action"] == "deleted" and "503" in audit.read()[-1]["note"]
