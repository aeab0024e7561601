"""Carrying out a plan, and bringing a home back, with every step in the audit log.

A home is deleted only after its archive was read back and matched the
manifest, the manifest matched the home the plan measured, and nobody
started using the home meanwhile; any other outcome keeps the home and
says why. A delete that stopped partway is logged as such (home_kept
false), and that home is not archived again until it is restored: a
second run would archive what is left, and a restore would then pick
that partial archive as the newest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from .audit import AuditLog
from .backend import Backend, PartlyDeleted, RetentionError, explain
from .model import SKIP, Plan, PlanItem

Step = Callable[[str, str], None]  # (user, what is happening now), for progress displays


def _quiet(*_args) -> None:
    pass


def apply_plan(plan: Plan, backend: Backend, audit: AuditLog, step: Step = _quiet,
               on_bytes: Callable[[int], None] = _quiet) -> list[dict]:
    results = []
    for item in plan.items:
        if item.action == SKIP:
            audit.record("skipped", item.user.name, why=item.why, reason=item.reason)
            results.append({"user": item.user.name, "outcome": "skipped", "why": item.why})
            continue
        results.append(_retire(item, backend, audit, step, on_bytes))
    return results


def partly_deleted(audit: AuditLog, name: str) -> dict | None:
    """The failed line of a delete of their home that stopped partway, unless restored since."""
    found = None
    for line in audit.read():
        if line.get("user") == name and line.get("action") == "failed" and line.get("home_kept") is False:
            found = line
        elif line.get("user") == name and line.get("action") in ("restored", "deleted"):
            found = None
    return found


def _retire(item: PlanItem, backend: Backend, audit: AuditLog, step: Step, on_bytes) -> dict:
    name, home, dest = item.user.name, item.home, item.archive
    stage = "check"
    try:
        partial = partly_deleted(audit, name)
        if partial:
            why = (f"a delete of their home stopped partway ({partial.get('time')}): restore it from "
                   f"{partial.get('archive')} (campushub retention restore --force), then apply again")
            audit.record("skipped", name, why=why, reason=item.reason)
            return {"user": name, "outcome": "skipped", "why": why}
        busy = backend.busy(item.user)
        if busy:
            audit.record("skipped", name, why=busy, reason=item.reason)
            return {"user": name, "outcome": "skipped", "why": busy}
        stage = "archive"
        step(name, "archiving")
        manifest = backend.archive(item.user, home, dest, on_bytes)
        audit.record("archived", name, archive=dest, home=home.location, files=manifest["files"],
                     bytes=manifest["bytes"], archive_bytes=manifest["archive_bytes"],
                     archive_sha256=manifest["archive_sha256"], rule=item.rule, reason=item.reason,
                     # what a backend needs to bring the home back (a deleted claim's spec on Kubernetes)
                     **({"claim": manifest["claim"]} if manifest.get("claim") else {}))
        stage = "verify"
        step(name, "verifying")
        result = backend.verify(item.user, home, dest, manifest)
        if result.ok and home.files is not None and (home.files, home.bytes) != (manifest["files"],
                                                                                manifest["bytes"]):
            raise RetentionError(f"the home changed since the plan: {home.files} files and {home.bytes} bytes "
                                 f"then, {manifest['files']} files and {manifest['bytes']} bytes archived")
        if not result.ok:
            raise RetentionError(f"the archive did not verify: {result.reason}")
        audit.record("verified", name, archive=dest, files=result.files, bytes=result.bytes)
        stage = "delete"
        busy = backend.busy(item.user)
        if busy:
            raise RetentionError(f"{busy} since the archive was made")
        step(name, "deleting")
        note = backend.delete(item.user, home, manifest)
        audit.record("deleted", name, home=home.location, archive=dest, **({"note": note} if note else {}))
        return {"user": name, "outcome": "deleted", "archive": dest, "files": manifest["files"],
                "bytes": manifest["bytes"], "why": note or ""}
    except Exception as e:  # noqa: BLE001  whatever went wrong, the home stays and the log says so
        why = explain(e)
        kept = not isinstance(e, PartlyDeleted)
        audit.record("failed", name, step=stage, why=why, archive=dest, home_kept=kept)
        return {"user": name, "outcome": "failed", "step": stage, "why": why, "archive": dest, "home_kept": kept}


def restore(name: str, backend: Backend, audit: AuditLog, archive: str | None = None,
            force: bool = False) -> dict:
    if archive is None:
        found = backend.archives(name)
        if not found:
            raise RetentionError(f"no archive of {name} found; give one with --archive FILE")
        # one a verify step passed, when the log knows any: a file left by a failed run may be newer
        verified = {PurePosixPath(line.get("archive") or "").name for line in audit.read()
                    if line.get("user") == name and line.get("action") == "verified"}
        archive = ([a for a in found if PurePosixPath(a).name in verified] or found)[-1]
    try:
        result = backend.restore(name, archive, force)
    except Exception as e:  # noqa: BLE001  logged as failed, reported in one line
        why = explain(e)
        audit.record("failed", name, step="restore", why=why, archive=archive)
        raise RetentionError(why) from None
    audit.record("restored", name, archive=archive, **result)
    return {"user": name, "archive": archive, **result}
