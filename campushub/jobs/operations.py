"""What people do with jobs, as the API, the page and the lab command ask:
submit (checked whole before anything is stored), list, look at, cancel,
and the profiles they may choose. Refusals are model.Invalid (one translated
line, with its HTTP status). Who is asking was established by the caller
(the handler's hub authentication); `owner` is always that person.

The hub is asked for the person's groups (their policy and profiles); the
store and the backend are called in worker threads, never on the loop.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from tornado.ioloop import IOLoop

from ..config import jobs as section
from ..config import remote_kernels
from ..hub.policy.choose import PolicyError, choose
from ..hub.policy.profiles import allowed_profiles, choice_for
from ..hub.policy.resolve import effective_policy
from ..hub.policy.types import Choice
from ..i18n import N_
from . import model
from .bounds import printable
from .model import Invalid, Job
from .store import QUEUE_FULL

log = logging.getLogger("campushub.jobs")

KEYS = ("notebook", "parameters", "sweep", "profile")
UNKNOWN_KEY = N_("Unknown field {key}: a job takes notebook, parameters, sweep and profile.")
NO_PROFILE = N_("There is no profile {name}. Choose one of: {allowed}.")
NOT_YOUR_PROFILE = N_("The profile {name} is not available to you. Choose one of: {allowed}.")
NO_JOB = N_("You have no job {id}: it may be another person's, or the id is wrong.")
ENDED = N_("Job {id} has ended already: there is nothing to cancel.")


class Jobs:
    def __init__(self, config: dict, store, backend, people):
        self.config, self.store, self.backend, self.people = config, store, backend, people
        self.kick = lambda: None  # the scheduler's: look at the queue now

    async def off(self, fn, *args):
        return await IOLoop.current().run_in_executor(None, fn, *args)

    async def person(self, name: str) -> dict:
        """The hub's model of the person (name, admin, groups), cached briefly (webservice.People)."""
        return await self.people.refresh(name)

    # -- submitting -------------------------------------------------------------------

    async def submit(self, owner: str, body: dict) -> dict:
        for key in body:
            if key not in KEYS:
                raise Invalid(UNKNOWN_KEY, key=printable(str(key)[:40]))
        limits = section.limits(self.config)
        notebook = model.notebook_path(body.get("notebook"))
        parameters = model.check_parameters(_pairs(body.get("parameters"), model.parse_assignment))
        sweep = model.check_sweep(_pairs(body.get("sweep"), model.parse_sweep), parameters, limits["max_sweep"])
        # before the look-up as the person (a process each): someone at their limit costs a SELECT only;
        # store.add counts again, in the transaction that queues
        queued = await self.off(self.store.queued_count, owner)
        if queued + model.sweep_size(sweep) > limits["max_queued_per_person"]:
            raise Invalid(QUEUE_FULL, status=409, queued=queued, limit=limits["max_queued_per_person"])
        person = await self.person(owner)
        profile, choice = self.resources(person.get("groups") or [], body.get("profile"))
        problem = self.backend.resources_problem(choice)
        if problem is not None:
            raise problem
        problem = await self.off(self.backend.notebook_problem, owner, notebook)
        if problem is not None:
            raise problem
        sweep_id = model.new_sweep_id() if sweep else None
        jobs = [Job(id=model.new_id(), owner=owner, notebook=notebook, parameters=values, profile=profile,
                    sweep=sweep_id, resources=asdict(choice)) for values in model.expand(parameters, sweep)]
        await self.off(self.store.add, jobs, limits["max_queued_per_person"])
        log.info("%s queued %d job(s) of %s%s", owner, len(jobs), notebook, f" (sweep {sweep_id})" if sweep_id else "")
        self.kick()
        return {"jobs": [job.as_json() for job in jobs], "sweep": sweep_id}

    def allowed(self, groups: list[str]) -> list[str]:
        return allowed_profiles(self.config, effective_policy(self.config, groups), groups)

    def resources(self, groups: list[str], asked) -> tuple[str | None, Choice]:
        """(profile, checked resources): the profile asked for, else jobs.default_profile where the
        person may use it, else their policy's defaults (what the spawn form preselects)."""
        policy = effective_policy(self.config, groups)
        if asked in (None, ""):
            default = self.config["jobs"]["default_profile"]
            if default and default in self.allowed(groups):
                return default, choice_for(self.config, policy, default)
            return None, choose(policy, self.config, {})
        profiles = remote_kernels.profiles(self.config)
        allowed = ", ".join(self.allowed(groups)) or "-"
        if not isinstance(asked, str) or asked not in profiles:
            raise Invalid(NO_PROFILE, name=printable(str(asked)[:40]), allowed=allowed)
        if not remote_kernels.in_groups(profiles[asked], groups):
            raise Invalid(NOT_YOUR_PROFILE, status=403, name=asked, allowed=allowed)
        try:
            return asked, choice_for(self.config, policy, asked)
        except PolicyError as e:
            raise Invalid(e.message, status=403, **e.params) from None

    async def profiles(self, owner: str) -> dict:
        groups = (await self.person(owner)).get("groups") or []
        every = remote_kernels.profiles(self.config)
        allowed = self.allowed(groups)
        default = self.config["jobs"]["default_profile"]
        return {"profiles": [{"name": n, "display_name": every[n]["display_name"]} for n in allowed],
                "default": default if default in allowed else None}

    # -- looking -------------------------------------------------------------------

    async def list(self, owner: str | None) -> list[dict]:
        """Newest first; owner None: everybody's (admins and services only: the caller checks)."""
        return [job.as_json() for job in await self.off(self.store.list, owner)]

    async def sweep(self, owner: str | None, sweep_id: str) -> list[dict]:
        if not model.SWEEP_RE.match(sweep_id or ""):
            return []
        return [job.as_json() for job in await self.off(lambda: self.store.list(owner, sweep=sweep_id))]

    async def _own(self, owner: str | None, job_id: str) -> Job:
        job = await self.off(self.store.get, job_id) if model.ID_RE.match(job_id or "") else None
        if job is None or (owner is not None and job.owner != owner):
            raise Invalid(NO_JOB, status=404, id=printable(str(job_id)[:40]))
        return job

    async def get(self, owner: str | None, job_id: str) -> dict | None:
        try:
            return (await self._own(owner, job_id)).as_json()
        except Invalid:
            return None

    # -- cancelling -------------------------------------------------------------------

    async def cancel(self, owner: str | None, job_id: str) -> dict:
        """Cancel a queued or running job of owner's (None: anybody's); its record after."""
        job = await self._own(owner, job_id)
        before = await self.off(self.store.cancel, job.id)
        if before is None:
            raise Invalid(ENDED, status=409, id=job.id)
        if before.state == model.RUNNING and before.handle:
            # without a handle the scheduler is starting it right now: it sees the cancel and stops it
            try:
                await self.off(self.backend.cancel, before)
            except Exception:
                log.exception("cancelling %s", job.id)
        log.info("%s cancelled (was %s)", job.id, before.state)
        self.kick()
        return (await self._own(None, job.id)).as_json()


def _pairs(value, parse) -> object:
    """A list of the command line's strings ("name=value", "name=v1,v2") as a mapping;
    a mapping (JSON typed by its sender) as it is."""
    if not isinstance(value, list):
        return value
    out = {}
    for item in value:
        if not isinstance(item, str):
            raise Invalid(model.PARAMETERS_TYPE)
        name, parsed = parse(item)
        out[name] = parsed
    return out
