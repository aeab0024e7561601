"""What the jobs service asks of the place jobs run: the Backend interface
(campushub/deploy/local/jobs/ runs a job in a cgroup of its own as the
person's unix account; campushub/deploy/kubernetes/jobs.py as a batch/v1 Job
with the volumes of the person's server).

Every method is synchronous and may block (a process, the Kubernetes API):
the service calls them in worker threads, never on its event loop; a cancel
(a person's request) may come while the scheduler polls the same job. A
backend keeps no state of its own that a restart would lose: what it must
remember it returns as the job's handle, which the service stores with the
job.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass

from ..hub.policy.types import Choice
from .model import Invalid, Job, Outcome

# The resources a job runs with: the person's policy checked it (hub/policy/choose.py or
# hub/policy/profiles.choice_for), at submission. Fields: cpu_limit, cpu_guarantee, mem_limit,
# mem_guarantee (bytes), gpus, environment, tag, node_pool (Kubernetes; None locally).
Resources = Choice

BACKEND_ENV = "CAMPUSHUB_JOBS_BACKEND"  # "local" (default) or "kubernetes", set by each deployment's run


class BackendError(RuntimeError):
    """The backend could not do it; str() is one line for the job's error (no traceback, no secrets)."""


@dataclass(frozen=True)
class Person:
    """Whose job it is, as the hub knows them when it starts: their groups give the
    project folders or volumes (and gids) the job sees, like their server's."""

    name: str
    groups: tuple[str, ...] = ()
    # Which of those groups are projects (their properties mark them): on Kubernetes a job
    # mounts these claims only, as a server does (a claim that does not exist keeps a pod Pending).
    projects: tuple[str, ...] = ()


class Backend(ABC):
    """Constructed once per service process as Backend(config), config being the site configuration."""

    def __init__(self, config: dict):
        self.config = config

    @abstractmethod
    def start(self, job: Job, resources: Resources, person: Person) -> str:
        """Start the job: as the person, copy job.notebook to ~/jobs/<id>/input.ipynb, write
        parameters.json, run papermill (campushub/jobs/runner.py) to output.ipynb with log.txt,
        and result.json at the end. Returns at once with the handle that poll, cancel and adopt
        need later (stored with the job). BackendError when it could not be started."""

    @abstractmethod
    def poll(self, job: Job) -> Outcome | None:
        """None while the job runs; its Outcome once it ended (result.json; OOM when the
        memory limit killed it; state lost when it is gone with no result)."""

    @abstractmethod
    def cancel(self, job: Job) -> None:
        """Stop the job (and everything it started) if it still runs; quiet if it is gone."""

    @abstractmethod
    def adopt(self, job: Job) -> bool:
        """After a restart of the service: whether this running job (job.handle may be None when
        the service stopped between starting it and storing the handle) still exists, ended or
        not; poll() follows. False: it is lost."""

    def resources_problem(self, resources: Resources) -> Invalid | None:
        """Why this backend can never run a job with these resources (GPUs on this machine): an
        Invalid of a marked message, refused at submission so nothing is queued; None when it can."""
        return None

    def notebook_problem(self, owner: str, notebook: str) -> Invalid | None:
        """Why the person's notebook cannot be run (missing, not a file), looked up as the person:
        an Invalid of a message marked N_ (translated for the person); None when it looks
        runnable or the backend cannot tell (the job then fails at start, saying so)."""
        return None


def backend_name() -> str:
    return os.environ.get(BACKEND_ENV) or "local"


def make_backend(config: dict) -> Backend:
    """The deployment's backend, chosen by $CAMPUSHUB_JOBS_BACKEND."""
    if backend_name() == "kubernetes":
        from ..deploy.kubernetes.jobs import KubernetesBackend

        return KubernetesBackend(config)
    from ..deploy.local.jobs import LocalBackend

    return LocalBackend(config)
