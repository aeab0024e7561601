"""A deleted project's claim on Kubernetes: archived, verified, then deleted,
with the Jobs, API calls and audit log of retention on Kubernetes
(retention_pvcs.py, retention_job.py), which already do exactly this for
home claims.

The projects service deletes the project's group and keeps its claim
(projects/web/k8s_storage.py: its pod has no access to the cluster's
API); this is the operator's step after it, run with the operator's
kubeconfig and the retention Role (render/retention.py: get/list/create/
delete claims, get/list pods and their logs, create/get/delete Jobs). The
archive goes to retention.kubernetes.archive_volume under the name of
"project:<name>" (hashed, so no hub user's archive can share it); the claim
is deleted only after a verify Job read the archive back and found what the
archive Job wrote, and an unchanged Job (retention's, as for homes) found
the claim still exactly as archived: a member's pod that started after the
archive Job, wrote and stopped leaves no pod to see, only its files. Then
only the very claim archived (its uid), and only while no pod mounts it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from ...config.errors import ConfigError
from ...projects import model
from ...retention.archive import archive_name
from ...retention.audit import AuditLog
from ...retention.backend import RetentionError
from . import retention_job as jobs
from . import retention_steps as steps
from .render.images import hub_image
from .render.projects import PROJECT_LABEL, claim_name
from .retention_api import Cluster, ClusterError
from .retention_pvcs import ENDED, mounts_claim, saved_claim


def archive_owner(name: str) -> str:
    """Whose archive it is, in the archive's manifest and the audit log."""
    return f"project:{name}"


def _volume(config: dict) -> dict:
    volume = {k: v for k, v in config["retention"]["kubernetes"]["archive_volume"].items() if v}
    if not volume:
        raise ConfigError("is not set: give the claim (claim: NAME) or bucket (csi: {driver: ...}) project "
                          "archives are written to", key="retention.kubernetes.archive_volume")
    return volume


async def _users(cluster: Cluster, claim: str) -> list[str]:
    return [p["metadata"]["name"] for p in await cluster.pods()
            if (p.get("status") or {}).get("phase") not in ENDED and mounts_claim(p, claim)]


async def _after_failed_delete(cluster: Cluster, claim: str, uid: str, error: Exception) -> tuple[bool | None, str]:
    """After a delete call failed: was the claim archived deleted (True), is it still there (False), or
    is that not known (None: unreadable, or another claim of that name stands), and what to say."""
    try:
        now = await cluster.claim(claim)
    except (ClusterError, OSError) as e:  # Cluster.claim lets a connection error through
        return None, f"{error}; whether claim {claim} is deleted is unknown (reading it: {e})"
    if now is None:
        return True, f"the delete call failed ({error}), but claim {claim} is gone"
    if now["metadata"].get("uid") != uid:
        return None, f"{error}: claim {claim} as archived is gone and another of that name stands, left alone"
    if now["metadata"].get("deletionTimestamp"):
        return True, f"the delete call failed ({error}), but claim {claim} is being deleted"
    return False, str(error)


async def archive_and_delete(cluster: Cluster, config: dict, name: str, audit: AuditLog | None = None,
                             image: str | None = None, poll: float = steps.POLL) -> dict:
    """Archive project `name`'s claim, verify the archive, delete the claim.
    Returns {"archive", "files", "bytes", "claim", "note"} (note: what the
    "deleted" audit line adds, or None); raises RetentionError (one line) or
    ConfigError. The audit's home_kept is true only for a failure before the
    claim was deleted, null when whether it was is unknown."""
    model.check_name(name)
    volume, timeout = _volume(config), config["retention"]["kubernetes"]["job_timeout"]
    claim_id, owner = claim_name(name), archive_owner(name)
    try:
        claim = await cluster.claim(claim_id)
    except OSError as e:  # Cluster.claim turns only the API's own refusals into one line
        raise RetentionError(f"reading claim {claim_id}: cannot reach the Kubernetes API ({e})") from None
    if claim is None:
        raise RetentionError(f"no claim {claim_id} in namespace {cluster.namespace}: nothing to archive")
    if (claim["metadata"].get("labels") or {}).get(PROJECT_LABEL) != name:
        raise RetentionError(f"claim {claim_id} does not carry {PROJECT_LABEL}={name}: not a project claim "
                             "CampusHub made, left alone")
    busy = await _users(cluster, claim_id)
    if busy:
        raise RetentionError(f"pod {', '.join(busy)} uses claim {claim_id}: stop those servers first (members "
                             "keep the project until their server stops)")
    if image is None:
        try:
            image = await cluster.hub_image(config["kubernetes"]["release"]) or hub_image(config)
        except ConfigError as e:
            raise RetentionError(f"no hub pod runs to take the image from, and {e}") from None
    now = datetime.now(UTC)
    dest = archive_name(owner, now)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")

    def kept(stage: str, why: str, then: str = "") -> RetentionError:
        if audit:
            audit.record("failed", owner, step=stage, why=why, archive=dest, home_kept=True)
        return RetentionError(f"{why}; claim {claim_id} kept{then}")

    async def step(action: str, stage: str | None = None, then: str = "") -> dict:
        manifest = jobs.job(action, user=owner, claim=claim_id, archive=dest, image=image,
                            namespace=cluster.namespace, volume=volume, stamp=stamp, timeout=timeout)
        try:
            return await steps.run(cluster, manifest, timeout, poll)
        except (steps.StepFailed, ClusterError) as e:
            raise kept(stage or action, str(e), then) from None

    made = await step("archive")
    if audit:
        audit.record("archived", owner, archive=dest, home=claim_id, files=made.get("files"),
                     bytes=made.get("bytes"), claim=saved_claim(claim), reason="project deleted")
    found = await step("verify")
    if not found.get("ok") or (found.get("files"), found.get("bytes")) != (made.get("files"), made.get("bytes")):
        why = (f"the archive did not verify ({found.get('reason') or 'its files differ'}): verify found "
               f"{found.get('files')} files and {found.get('bytes')} bytes, archive wrote {made.get('files')} "
               f"and {made.get('bytes')}; claim {claim_id} kept")
        if audit:
            audit.record("failed", owner, step="verify", why=why, archive=dest, home_kept=True)
        raise RetentionError(why)
    if audit:
        audit.record("verified", owner, archive=dest, files=found.get("files"), bytes=found.get("bytes"))
    # a pod that is gone may have written since the archive: only the claim's files tell
    # (logged as step "delete", as for homes)
    await step("unchanged", "delete", ": run archive-project again (a new archive)")
    try:
        busy = await _users(cluster, claim_id)
    except ClusterError as e:
        raise kept("delete", str(e)) from None
    if busy:
        raise kept("delete", f"pod {', '.join(busy)} started using claim {claim_id} since the archive")
    uid, note = claim["metadata"]["uid"], None
    try:
        await cluster.delete_claim(claim_id, uid)
    except ClusterError as e:
        # the call may fail after the API server took it (a lost answer): "kept" only if it still is
        deleted, why = await _after_failed_delete(cluster, claim_id, uid, e)
        if deleted is False:
            raise kept("delete", why, f": the archive {dest} is verified, delete the claim by hand") from None
        if deleted is None:
            why += f": kubectl -n {cluster.namespace} get pvc {claim_id}"
            if audit:  # null, not true: what was archived is gone, or may be
                audit.record("failed", owner, step="delete", why=why, archive=dest, home_kept=None)
            raise RetentionError(why) from None
        note = why
    try:
        # a pod that started in the instant since the check keeps the claim (claim protection)
        # until it stops; what it writes meanwhile goes with it
        late = await _users(cluster, claim_id)
    except ClusterError as e:  # the claim is deleted: a note on the "deleted" line, not a failure
        late, note = [], "; ".join(filter(None, [note, f"whether a pod started using it meanwhile is unknown: {e}"]))
    if late:
        note = "; ".join(filter(None, [note, f"pod {', '.join(late)} started using the claim as it was deleted: "
                                             "the claim goes when it stops, with what it wrote since the archive"]))
    if audit:
        audit.record("deleted", owner, home=claim_id, archive=dest, **({"note": note} if note else {}))
    return {"archive": f"{jobs.ARCHIVE}/{dest}", "files": made.get("files"), "bytes": made.get("bytes"),
            "claim": claim_id, "note": note}


def run(config: dict, name: str, audit: AuditLog | None) -> dict:
    """archive_and_delete from the operator's machine (`campushub k8s archive-project`)."""
    async def go():
        cluster = await Cluster.connect(config["kubernetes"]["namespace"])
        try:
            return await archive_and_delete(cluster, config, name, audit)
        finally:
            await cluster.close()

    return asyncio.run(go())
