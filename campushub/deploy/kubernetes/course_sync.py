"""Course sync on Kubernetes: the nbgitpuller step of local servers
(content/sync.py), as an init container of the user's pod.

The courses are the same ones (the user's learner and tutor groups), and so
are the merge that keeps the learner's edits, the notice file and the rule
that a failed sync never stops the server. An init container rather than a
postStart hook because it finishes before the server starts, so the server
never shows a half-synced folder, and its output stays in the pod's logs.
It sees the pod as the server does: the same image (which has nbgitpuller),
user, working directory (the home), volume mounts (the home PVC and shared
volumes) and CPU and memory, so it needs no extra room on the node.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from kubernetes_asyncio.client import models as k8s

from ...content import sync
from ...i18n import translate
from .course_sync_pod import PLAN_ENV

NAME = "campushub-course-sync"
PROGRAM = Path(__file__).with_name("course_sync_pod.py")
# `sh` so that an image without python3 still starts its server; -I
# (isolated) because the working directory is the learner's home, which -c
# would put first on sys.path: a json.py there would run instead of the
# standard library's (and ~/.local's site-packages are the learner's too)
COMMAND = ["sh", "-c", 'python3 -I -c "$1" || echo "campushub: course sync could not run" >&2; exit 0', NAME]
# What git needs of the server's environment to reach a repository
PASSED_ENV = {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"}


def plan(found: list[tuple[str, dict]], lang: str, budget: int) -> dict:
    """What the init container does for `found` (hub/courses.py) within
    `budget` seconds, its notices in `lang`."""
    return {"timeout": sync.TIMEOUT, "budget": budget, "notice_file": sync.NOTICE_FILE,
            "status_file": sync.STATUS_FILE, "courses": [
        {"name": name, "repo": spec["repo"], "branch": spec.get("branch") or "main", "target": sync.target(name, spec),
         "notice": translate(lang, sync.NOTICE, course=name, folder=sync.target(name, spec), reason="{reason}")}
        for name, spec in found]}


def init_container(server: k8s.V1Container, steps: dict) -> k8s.V1Container:
    resources = server.resources or k8s.V1ResourceRequirements()
    # Only CPU and memory: GPUs and other devices stay with the server.
    cpu_memory = {k: {r: v for r, v in (getattr(resources, k) or {}).items() if r in ("cpu", "memory")}
                  for k in ("limits", "requests")}
    env = [copy.deepcopy(e) for e in server.env or [] if e.name in PASSED_ENV]
    return k8s.V1Container(
        name=NAME, image=server.image, image_pull_policy=server.image_pull_policy,
        command=[*COMMAND, PROGRAM.read_text()],
        env=[*env, k8s.V1EnvVar(name=PLAN_ENV, value=json.dumps(steps, ensure_ascii=False))],
        working_dir=server.working_dir, security_context=copy.deepcopy(server.security_context),
        volume_mounts=copy.deepcopy(server.volume_mounts),
        resources=k8s.V1ResourceRequirements(**{k: v for k, v in cpu_memory.items() if v}),
    )


def add_course_sync(pod: k8s.V1Pod, found: list[tuple[str, dict]], lang: str, start_timeout: int) -> k8s.V1Pod:
    """The sync runs last among the init containers: after the deployment's
    own (Zero to JupyterHub's metadata block must come before user code).
    It may take half of the hub's start_timeout; pulling the image and
    starting the server need the rest."""
    others = [c for c in pod.spec.init_containers or [] if getattr(c, "name", None) != NAME]
    ours = [init_container(pod.spec.containers[0], plan(found, lang, max(1, start_timeout // 2)))] if found else []
    pod.spec.init_containers = [*others, *ours] or None
    return pod
