"""The HTML pages: {prefix} lists the person's jobs, newest first (?sweep=ID:
one sweep's), {prefix}j/ID shows one, and a POST to {prefix}j/ID/cancel
(a form with the XSRF token) cancels a queued or running job. The executed
notebook and the log open in the person's own server through the hub's
user-redirect, which finds it wherever it is (hub.subdomain_host included);
the service never reads a home. After a cancel the job's page says so in a
line that only this service can have written (a signed value, as on the
projects page), so a link made by someone else cannot put words into it.
A page showing a queued or running job reloads itself (a GET) to show how it goes."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from tornado import web

from ...i18n import N_
from .. import outcomes
from ..api import NO_SWEEP
from ..operations import NO_JOB
from . import display
from .base import BaseHandler

CANCELLED = N_("Job {id} was cancelled.")
FLASH_DAYS = 10 / (24 * 60)  # the banner's signed value is good for 10 minutes
RELOAD_SECONDS = 15  # how often a page with a queued or running job reloads itself


class PageHandler(BaseHandler):
    def job_url(self, job_id: str, **query) -> str:
        url = f"{self.prefix}j/{quote(job_id, safe='')}"
        return f"{url}?{urlencode(query)}" if query else url

    def lab_url(self, job_id: str, name: str) -> str:
        # ~/jobs/<id>/<name> in the person's default server (the server's root is the home)
        return f"{self.settings['hub_prefix']}user-redirect/lab/tree/jobs/{quote(job_id, safe='')}/{name}"

    def render(self, template: str, jobs: list[dict], **ctx) -> None:
        _ = self._
        active = any(job["state"] in display.ACTIVE for job in jobs)
        super().render(template, jobs=jobs, reload=RELOAD_SECONDS if active else None, job_url=self.job_url,
                       lab_url=self.lab_url, badge=display.badge, active=display.ACTIVE,
                       state_text=lambda s: display.state_text(_, s), duration_text=display.duration_text,
                       memory_text=lambda b: display.memory_text(_, b), cell_text=lambda i: display.cell_text(_, i),
                       parameters_text=display.parameters_text, time_text=display.time_text, **ctx)

    async def own_job(self, job_id: str) -> dict:
        """The person's job; another person's is as unknown as one never made."""
        job = await self.jobs.get(self.person(), job_id)
        if job is None:
            self.fail(404, NO_JOB, id=job_id[:40])
        return job


class ListPage(PageHandler):
    @web.authenticated
    async def get(self):
        sweep = self.get_query_argument("sweep", "")
        jobs = await (self.jobs.sweep(self.person(), sweep) if sweep else self.jobs.list(self.person()))
        if sweep and not jobs:
            self.fail(404, NO_SWEEP, sweep=sweep[:40])
        self.render("list.html", jobs, sweep=sweep)


class JobPage(PageHandler):
    @web.authenticated
    async def get(self, job_id):
        job = await self.own_job(job_id)
        shown = {**job, "error": outcomes.shown(self.lang, job.get("error"))}
        self.render("job.html", [shown], job=shown, done=self.done(job_id))

    def done(self, job_id: str) -> str | None:
        raw = self.get_query_argument("done", "")
        value = raw and web.decode_signed_value(self.settings["cookie_secret"], "done", raw, max_age_days=FLASH_DAYS)
        return self._(CANCELLED, id=job_id) if value and value.decode() == job_id else None


class CancelPage(PageHandler):
    @web.authenticated
    async def post(self, job_id):
        await self.jobs.cancel(self.person(), job_id)  # refused in one line when it has ended
        signed = self.create_signed_value("done", job_id).decode()
        self.redirect(self.job_url(job_id, done=signed))


ID = r"([^/]+)"
ROUTES = [
    (r"", ListPage),
    (rf"j/{ID}/?", JobPage),
    (rf"j/{ID}/cancel", CancelPage),
]
