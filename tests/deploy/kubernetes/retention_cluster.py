"""A stand-in for the Kubernetes API of retention_api.Cluster, for tests:
there is no cluster where the tests run.

It keeps claims and pods in memory, each claim's volume as a folder under
`root`, and records every call. A Job is checked against the API's schema
(kubernetes-validate, strict) and then really run: its container's command,
with this venv's python, on the folders its volumes name (their mount paths
replaced by the folders), so the archive, verify and extract code in the
Jobs is the real one on real files. What it cannot do is enforce readOnly
mounts: the tests assert those on the manifests.

By default the Jobs run as root on folders root made. With
as_pod_user=True they run as the pod's securityContext says (runAsUser,
runAsGroup, fsGroup as a supplementary group) on volumes made as a
provisioner and the kubelet make them: a top folder root:<fsGroup> 2775
holding mkfs's lost+found (root, 0700); `root` must then be reachable by
that uid.
"""

from __future__ import annotations

import copy
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate

from campushub.deploy.kubernetes.retention_api import ClusterError
from campushub.deploy.kubernetes.retention_job import POD_SECURITY

from .chart import KUBERNETES_VERSIONS

_uids = itertools.count(1)


class FakeCluster:
    namespace = "campushub"

    def __init__(self, root: Path, as_pod_user: bool = False):
        self.root, self.as_pod_user = root, as_pod_user
        self.claims: dict[str, dict] = {}
        self.pods_now: list[dict] = []
        self.jobs: dict[str, dict] = {}
        self.logs: dict[str, str] = {}
        self.calls: list[tuple] = []
        self.fail_jobs: set[str] = set()  # steps ("archive", ...) whose Job the "cluster" fails before it runs
        self.after_job = None  # called with each Job after it ran, to change the world meanwhile
        self.on_delete_claim = None  # called as a claim is deleted, before the API server decides
        (root / "archive").mkdir(parents=True, exist_ok=True)
        if as_pod_user:  # the archive claim, as the kubelet leaves it for the fsGroup
            os.chown(root / "archive", 0, POD_SECURITY["fsGroup"])
            os.chmod(root / "archive", 0o2775)

    def _new_volume(self, path: Path) -> None:
        path.mkdir(parents=True)
        if self.as_pod_user:
            os.chown(path, 0, POD_SECURITY["fsGroup"])
            os.chmod(path, 0o2775)
            (path / "lost+found").mkdir(mode=0o700)

    # -- test set-up ------------------------------------------------------------------------------------
    def volume(self, claim: str) -> Path:
        return self.root / "volumes" / self.claims[claim]["metadata"]["uid"]

    def add_claim(self, name: str, user: str, server: str | None = None, storage: str = "10Gi") -> Path:
        annotations = {"hub.jupyter.org/username": user}
        if server:
            annotations["hub.jupyter.org/servername"] = server
        self.claims[name] = {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": self.namespace, "uid": f"uid-{next(_uids)}",
                         "labels": {"component": "singleuser-storage", "hub.jupyter.org/username": user},
                         "annotations": {**annotations, "pv.kubernetes.io/bind-completed": "yes"}},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}},
                     "storageClassName": "standard"}}
        path = self.volume(name)
        self._new_volume(path)
        return path

    def add_pod(self, name: str, user: str | None = None, claim: str | None = None, phase: str = "Running",
                component: str = "singleuser-server") -> None:
        self.pods_now.append({
            "metadata": {"name": name, "labels": {"component": component},
                         "annotations": {"hub.jupyter.org/username": user} if user else {}},
            "spec": {"volumes": [{"name": "home", "persistentVolumeClaim": {"claimName": claim}}] if claim else []},
            "status": {"phase": phase}})

    # -- the API --------------------------------------------------------------------------------------------
    async def home_claims(self) -> list[dict]:
        self.calls.append(("home_claims",))
        return copy.deepcopy(list(self.claims.values()))

    async def pods(self) -> list[dict]:
        self.calls.append(("pods",))
        return copy.deepcopy(self.pods_now)

    async def hub_image(self, release: str) -> str:
        return "registry.example.org/campushub-hub:running"

    async def create_job(self, manifest: dict) -> None:
        for version in KUBERNETES_VERSIONS:
            kubernetes_validate.validate(manifest, version, strict=True)
        name = manifest["metadata"]["name"]
        self.calls.append(("create_job", name))
        self.jobs[name] = manifest
        step = manifest["metadata"]["labels"]["campushub/retention-step"]
        if step in self.fail_jobs:
            manifest["status"] = {"failed": 1, "conditions": [
                {"type": "Failed", "status": "True", "reason": "DeadlineExceeded",
                 "message": "Job was active longer than specified deadline"}]}
            self.logs[name] = ""
            return
        done = self._execute(manifest)
        manifest["status"] = {"succeeded": 1} if done.returncode == 0 else {"failed": 1}
        self.logs[name] = done.stdout + done.stderr
        if self.after_job:
            self.after_job(manifest)

    def _execute(self, manifest: dict) -> subprocess.CompletedProcess:
        spec = manifest["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        folders = {}
        for volume in spec["volumes"]:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if volume["name"] == "archive":
                folders[volume["name"]] = self.root / "archive"
            elif claim:
                if claim not in self.claims:
                    raise ClusterError(f"creating job: claim {claim} not found")
                folders[volume["name"]] = self.volume(claim)
        paths = {m["mountPath"]: str(folders[m["name"]]) for m in container["volumeMounts"] if m["name"] in folders}

        def local(arg: str) -> str:
            for mount, folder in paths.items():
                if arg == mount or arg.startswith(mount + "/"):
                    return folder + arg[len(mount):]
            return arg

        assert container["command"][0] == "python"
        command = [sys.executable, *container["command"][1:], *map(local, container["args"])]
        user = {}
        if self.as_pod_user:
            pod = spec["securityContext"]
            user = {"user": pod["runAsUser"], "group": pod["runAsGroup"], "extra_groups": [pod["fsGroup"]]}
        return subprocess.run(command, capture_output=True, text=True, timeout=120, **user)

    async def job(self, name: str) -> dict:
        return copy.deepcopy(self.jobs[name])

    async def job_pods(self, name: str) -> list[dict]:
        return [{"metadata": {"name": f"{name}-pod"}}]

    async def pod_log(self, name: str) -> str:
        return self.logs[name.removesuffix("-pod")]

    async def delete_job(self, name: str) -> None:
        self.calls.append(("delete_job", name))

    async def delete_claim(self, name: str, uid: str) -> None:
        self.calls.append(("delete_claim", name, uid))
        if name not in self.claims:
            raise ClusterError(f"deleting claim {name} in namespace {self.namespace}: 404 Not Found")
        if self.claims[name]["metadata"]["uid"] != uid:
            raise ClusterError(f"deleting claim {name} in namespace {self.namespace}: 409 Conflict")
        if self.on_delete_claim:
            self.on_delete_claim(name)
        if any(p["status"]["phase"] not in ("Succeeded", "Failed") and
               any((v.get("persistentVolumeClaim") or {}).get("claimName") == name for v in p["spec"]["volumes"])
               for p in self.pods_now):
            # claim protection: it stays, marked for deletion, until no pod uses it
            self.claims[name]["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z"
            return
        shutil.rmtree(self.volume(name))  # the volume goes with the claim (reclaim policy Delete)
        del self.claims[name]

    async def create_claim(self, manifest: dict) -> None:
        for version in KUBERNETES_VERSIONS:
            kubernetes_validate.validate(manifest, version, strict=True)
        name = manifest["metadata"]["name"]
        self.calls.append(("create_claim", name))
        if name in self.claims:
            raise ClusterError(f"creating claim {name}: 409 AlreadyExists")
        made = copy.deepcopy(manifest)
        made["metadata"]["uid"] = f"uid-{next(_uids)}"
        self.claims[name] = made
        self._new_volume(self.volume(name))

    async def close(self) -> None:
        pass
