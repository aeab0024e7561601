"""Retention on Kubernetes: the homes are the claims KubeSpawner made, and
each step is a Job in the release's namespace (retention_job.py) running
the same archive, verify and extract code as a local site.

A person's home is the claim KubeSpawner made for their default server
(its annotation hub.jupyter.org/username names them; a named server's
claim also carries hub.jupyter.org/servername). Its size is the claim's
request: what it holds is only known from inside a pod, so the archive
Job measures it (or, with `--measure`, a measure Job for the plan). A home is in use while any pod that has not ended
mounts the claim, or while a server pod of the person exists; then it is
left alone. People with named-server claims are left alone too, said so:
one archive holds one home.

The claim is deleted only after a verify Job, in a fresh pod, read the
archive back and found every file, and an unchanged Job found the home
still exactly as archived (a server that started, saved and stopped since
the archive Job would otherwise lose that work); and only the very claim
archived (the API checks its uid), only if still no pod uses it. What the claim was
(name, size, class, labels) goes into the manifest apply records, so a
restore can make it again before a restore Job extracts into it.
"""

from __future__ import annotations

import asyncio
import atexit
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from ...config.errors import ConfigError
from ...retention.audit import AuditLog
from ...retention.backend import RetentionError
from ...retention.model import Home, Person
from ...retention.verify import Verification
from . import retention_job as jobs
from . import retention_steps as steps
from .render.images import hub_image
from .retention_api import Cluster, ClusterError

SERVER_ANNOTATION = "hub.jupyter.org/servername"
ENDED = ("Succeeded", "Failed")


def owner(obj: dict) -> str | None:
    return ((obj.get("metadata") or {}).get("annotations") or {}).get(jobs.USER_ANNOTATION)


def mounts_claim(pod: dict, claim: str) -> bool:
    return any((v.get("persistentVolumeClaim") or {}).get("claimName") == claim
               for v in (pod.get("spec") or {}).get("volumes") or [])


def saved_claim(claim: dict) -> dict:
    """What restore needs to make the claim again as KubeSpawner made it."""
    meta, spec = claim["metadata"], claim["spec"]
    return {"name": meta["name"], "uid": meta.get("uid"), "storage": spec["resources"]["requests"]["storage"],
            "access_modes": spec.get("accessModes") or ["ReadWriteOnce"],
            "storage_class": spec.get("storageClassName"), "labels": meta.get("labels") or {},
            "annotations": {k: v for k, v in (meta.get("annotations") or {}).items()
                            if not k.startswith(("pv.kubernetes.io/", "volume.", "kubectl.kubernetes.io/"))}}


class KubernetesHomes:
    """The retention backend for a Zero to JupyterHub release (campushub.retention.backend.Backend)."""

    name = "kubernetes"
    archive_dir = jobs.ARCHIVE  # archives' paths are where the Jobs mount the archive volume

    def __init__(self, config: dict, audit: AuditLog | str | Path | None = None, cluster: Cluster | None = None,
                 poll: float = steps.POLL, measure: bool = False, running: Callable[[str], bool] | None = None):
        settings = config["retention"]["kubernetes"]
        self.volume = {k: v for k, v in settings["archive_volume"].items() if v}
        if not (self.volume.get("claim") or self.volume.get("csi")):
            raise ConfigError("is not set: give the claim (claim: NAME) or bucket (csi: {driver: ...}) the "
                              "retention Jobs write archives to", key="retention.kubernetes.archive_volume")
        self.timeout = settings["job_timeout"]
        audit = AuditLog(audit) if isinstance(audit, (str, Path)) else audit
        self.namespace, self.release = config["kubernetes"]["namespace"], config["kubernetes"]["release"]
        self.config, self.audit, self.poll, self.measure = config, audit, poll, measure
        # the hub asked again at every check (cli/retention.py): a spawn requested after the plan
        # has no pod yet for a while, and the plan's Person.running is as old as the plan
        self.running = running or (lambda name: False)
        self._loop = asyncio.new_event_loop()
        self.cluster = cluster or self._run(Cluster.connect(self.namespace))
        atexit.register(self.close)  # the CLI never closes its backend: the API client's session ends here
        self._image: str | None = None
        self._listed: list[dict] | None = None

    def _run(self, coro):
        return self._loop.run_until_complete(coro)

    def close(self) -> None:
        if not self._loop.is_closed():
            self._run(self.cluster.close())
            self._loop.close()
        atexit.unregister(self.close)

    # -- finding homes -------------------------------------------------------------------------------------
    def _claims_of(self, name: str, listed: list[dict] | None = None) -> list[dict]:
        return [c for c in (listed or self._run(self.cluster.home_claims())) if owner(c) == name]

    def _claim(self, name: str, listed: list[dict] | None = None) -> dict | None:
        own = [c for c in self._claims_of(name, listed)
               if SERVER_ANNOTATION not in (c["metadata"].get("annotations") or {})]
        return own[0] if len(own) == 1 else None

    def home(self, person: Person) -> Home:
        # the plan asks this of everyone selected: one listing serves them all;
        # every step after the plan (busy, archive, delete, restore) lists afresh
        if self._listed is None:
            self._listed = self._run(self.cluster.home_claims())
        claim = self._claim(person.name, self._listed)
        if claim is None:
            # several claims, or named servers' only: a home exists, and busy() says why it is not archived
            theirs = sorted(c["metadata"]["name"] for c in self._claims_of(person.name, self._listed))
            return Home(location=", ".join(theirs), exists=bool(theirs))
        home = Home(location=claim["metadata"]["name"], exists=claim["metadata"].get("deletionTimestamp") is None,
                    capacity=claim["spec"]["resources"]["requests"]["storage"])
        if self.measure and home.exists and not self.busy(person):
            # a Job per person (`--measure`): apply then also checks the home
            # did not change between the plan and its archive, as locally
            try:
                found = self._step("measure", person.name, home.location, None)
                home.files, home.bytes, home.dirs = found["files"], found["bytes"], found["dirs"]
            except (RetentionError, KeyError):
                pass  # the plan shows the claim's size instead
        return home

    def busy(self, person: Person) -> str | None:
        if person.running or self.running(person.name):
            return "a server of theirs is running or starting"
        return self._busy(person.name)

    def _busy(self, name: str) -> str | None:
        claims = self._claims_of(name)
        named = [c["metadata"]["name"] for c in claims if SERVER_ANNOTATION in (c["metadata"].get("annotations") or {})]
        if named:
            return f"has named-server claims ({', '.join(sorted(named))}): archive them by hand"
        default = [c["metadata"]["name"] for c in claims]
        if len(default) > 1:
            return f"has {len(default)} home claims ({', '.join(sorted(default))}): archive them by hand"
        for pod in self._run(self.cluster.pods()):
            if (pod.get("status") or {}).get("phase") in ENDED:
                continue
            labels = pod["metadata"].get("labels") or {}
            if owner(pod) == name and labels.get("component") == "singleuser-server":
                return f"their server pod {pod['metadata']['name']} exists"
            if any(mounts_claim(pod, claim) for claim in default):
                return f"pod {pod['metadata']['name']} uses their claim"
        return None

    # -- the steps -----------------------------------------------------------------------------------------
    def _hub_image(self) -> str:
        if self._image is None:
            running = self._run(self.cluster.hub_image(self.release))
            try:
                self._image = running or hub_image(self.config)
            except ConfigError as e:
                raise RetentionError(f"no hub pod of release {self.release} runs to take the image from, and "
                                     f"{e}") from None
        return self._image

    def _step(self, action: str, name: str, claim: str, dest: str | None, force: bool = False) -> dict:
        if dest is not None and PurePosixPath(dest).parent != PurePosixPath(jobs.ARCHIVE):
            raise RetentionError(f"{dest} is not in the archive volume ({jobs.ARCHIVE}/)")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        manifest = jobs.job(action, user=name, claim=claim, archive=PurePosixPath(dest or "-").name,
                            image=self._hub_image(), namespace=self.namespace, volume=self.volume, stamp=stamp,
                            timeout=self.timeout, force=force)
        try:
            return self._run(steps.run(self.cluster, manifest, self.timeout, self.poll))
        except (steps.StepFailed, ClusterError) as e:
            raise RetentionError(str(e)) from None

    def archive(self, person: Person, home: Home, dest: str, on_bytes=None) -> dict:
        claim = self._claim(person.name)
        if claim is None or claim["metadata"]["name"] != home.location:
            raise RetentionError(f"the home claim {home.location} is no longer theirs alone")
        manifest = self._step("archive", person.name, home.location, dest)
        manifest["claim"] = saved_claim(claim)
        manifest["path"] = dest  # for the unchanged Job before the delete
        if on_bytes and manifest.get("bytes"):
            on_bytes(manifest["bytes"])
        return manifest

    def verify(self, person: Person, home: Home, dest: str, manifest: dict) -> Verification:
        try:
            found = self._step("verify", person.name, home.location, dest)
        except RetentionError as e:
            return Verification(False, reason=str(e))
        result = Verification(bool(found.get("ok")), int(found.get("files") or 0), int(found.get("bytes") or 0),
                              str(found.get("reason") or ""))
        if result.ok and (result.files, result.bytes) != (manifest.get("files"), manifest.get("bytes")):
            return Verification(False, result.files, result.bytes,
                                f"the verify job found {result.files} files and {result.bytes} bytes, the archive "
                                f"job wrote {manifest.get('files')} files and {manifest.get('bytes')} bytes")
        return result

    def delete(self, person: Person, home: Home, manifest: dict) -> str | None:
        archived = manifest.get("claim")
        if not archived or archived["name"] != home.location or not manifest.get("path"):
            raise RetentionError(f"claim {home.location} was not archived in this run: not deleted")
        # a pod no longer running may have written since the archive: only the home's files tell
        self._step("unchanged", person.name, home.location, manifest["path"])
        why = self.busy(person)
        if why:
            raise RetentionError(f"{why}: claim {home.location} not deleted")
        try:
            self._run(self.cluster.delete_claim(archived["name"], archived["uid"]))
        except ClusterError as e:
            raise RetentionError(str(e)) from None
        home.exists = False
        try:
            # a server that started in the instant since the check keeps the
            # claim (claim protection) until it stops; what it writes then is lost
            late = [p["metadata"]["name"] for p in self._run(self.cluster.pods())
                    if (p.get("status") or {}).get("phase") not in ENDED and mounts_claim(p, archived["name"])]
        except ClusterError as e:  # the claim is deleted: a note on the "deleted" line, not a failure
            return f"claim deleted; whether a pod started using it meanwhile is unknown: {e}"
        if late:
            return (f"pod {', '.join(late)} started using the claim as it was deleted: the claim goes when it "
                    "stops, and what was written since the archive with it; ask them to save their work elsewhere")
        return None

    # -- restoring -----------------------------------------------------------------------------------------
    def archives(self, name: str) -> list[str]:
        """Their verified archives, oldest first, as the audit log recorded them."""
        lines = self.audit.read() if self.audit else []
        return [line["archive"] for line in lines
                if line.get("user") == name and line.get("action") == "verified" and line.get("archive")]

    def _recorded_claim(self, name: str, archive: str) -> dict | None:
        lines = self.audit.read() if self.audit else []
        found = [line.get("claim") for line in lines if line.get("user") == name
                 and line.get("archive") == archive and isinstance(line.get("claim"), dict)]
        return found[-1] if found else None

    def restore(self, name: str, archive: str, force: bool) -> dict:
        # the hub too: a start it has accepted has no pod yet, and would mount the claim mid-restore
        why = self.busy(Person(name))
        if why:
            raise RetentionError(f"{why}: stop it first")
        claim = self._claim(name)
        if claim is None:
            saved = self._recorded_claim(name, archive)
            if saved is None:
                raise RetentionError(f"{name} has no home claim and the audit log does not say which "
                                       "claim the archive came from: let them start a server once (it makes "
                                       "the claim), stop it, then restore")
            try:
                self._run(self.cluster.create_claim(jobs.recreated_claim(saved, self.namespace)))
            except ClusterError as e:
                raise RetentionError(str(e)) from None
            claim_name = saved["name"]
        else:
            claim_name = claim["metadata"]["name"]
        found = self._step("restore", name, claim_name, archive, force=force)
        return {"files": found.get("files"), "bytes": found.get("bytes"), "location": claim_name}
