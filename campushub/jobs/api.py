"""The jobs JSON API under {prefix}api/. A token (Authorization: token ...:
a person's server, `campushub run` in their terminal, an operator's) or the
service's cookie plus the XSRF token authenticates; every answer is JSON,
errors {"message": one translated line}.

  POST api/jobs                  {notebook, parameters, sweep, profile} -> 201 {"jobs": [...], "sweep": id|null}
  GET  api/jobs                  the caller's jobs, newest first (admins, services: ?user=NAME, or everyone's)
  GET  api/jobs/ID               one job (404 unless the caller's, or an admin or service asks)
  POST api/jobs/ID/cancel        cancel a queued or running job
  GET  api/sweeps/ID             a sweep's jobs and how many are in each state
  GET  api/profiles              the profiles the caller may choose, and the default

A person sees and cancels only their own jobs; another person's id is as
unknown as one never made. Only people submit: a job runs as somebody.
"""

from __future__ import annotations

import json
from collections import Counter

from tornado import web

from ..i18n import N_
from ..webservice import handler
from ..webservice.handler import NotFound
from . import outcomes
from .model import Invalid
from .operations import NO_JOB

BAD_JSON = N_("The request body must be a JSON object.")
PEOPLE_ONLY = N_("Only a person can do this, not a service's token.")
NO_SWEEP = N_("You have no sweep {sweep}: it may be another person's, or the id is wrong.")


class ApiHandler(handler.BaseHandler):
    json_errors = True
    needs_roles = False

    @property
    def jobs(self):
        return self.settings["jobs"]

    def refusal(self, error):
        if isinstance(error, Invalid):
            return error.status, error.message, error.params
        return super().refusal(error)

    def shown(self, job: dict) -> dict:
        """A record for the caller: an error the service stored as a marked message in their language."""
        return {**job, "error": outcomes.shown(self.lang, job["error"])} if job.get("error") else job

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep
            data = None
        if not isinstance(data, dict):
            raise Invalid(BAD_JSON)
        return data

    def person(self) -> str:
        if not self.user_name:
            self.fail(403, PEOPLE_ONLY)
        return self.user_name

    async def scope(self) -> str | None:
        """Whose jobs the caller may see and cancel: their own, or (None) anybody's for a hub
        admin or a service the hub let in (the operators' CLI holds the campushub-operator role)."""
        user = self.current_user
        if user.get("kind", "user") != "user":
            return None
        model = await self.jobs.person(user["name"])
        return None if model.get("admin") else user["name"]


class JobsApi(ApiHandler):
    @web.authenticated
    async def get(self):
        scope = await self.scope()
        asked = self.get_query_argument("user", None)
        owner = asked if scope is None else scope  # a person's ?user= is ignored: only their own
        self.write_json({"jobs": [self.shown(job) for job in await self.jobs.list(owner)]})

    @web.authenticated
    async def post(self):
        owner = self.person()
        self.write_json(await self.jobs.submit(owner, self.body()), 201)


class JobApi(ApiHandler):
    @web.authenticated
    async def get(self, job_id):
        job = await self.jobs.get(await self.scope(), job_id)
        if job is None:
            self.fail(404, NO_JOB, id=job_id[:40])
        self.write_json(self.shown(job))


class CancelApi(ApiHandler):
    @web.authenticated
    async def post(self, job_id):
        self.write_json(self.shown(await self.jobs.cancel(await self.scope(), job_id)))


class SweepApi(ApiHandler):
    @web.authenticated
    async def get(self, sweep_id):
        jobs = await self.jobs.sweep(await self.scope(), sweep_id)
        if not jobs:
            self.fail(404, NO_SWEEP, sweep=sweep_id[:40])
        self.write_json({"sweep": sweep_id, "jobs": [self.shown(job) for job in jobs],
                         "counts": dict(Counter(j["state"] for j in jobs))})


class ProfilesApi(ApiHandler):
    @web.authenticated
    async def get(self):
        self.write_json(await self.jobs.profiles(self.person()))


class NotFoundApi(NotFound, ApiHandler):
    pass


ID = r"([^/]+)"
ROUTES = [
    (r"api/jobs/?", JobsApi),
    (rf"api/jobs/{ID}/?", JobApi),
    (rf"api/jobs/{ID}/cancel/?", CancelApi),
    (rf"api/sweeps/{ID}/?", SweepApi),
    (r"api/profiles/?", ProfilesApi),
]
