"""The service's loop: at start it adopts the jobs a previous run left
running (the backend says whether each still exists), then every
jobs.poll_interval seconds, or at once when a submission or a cancel kicks
it, it asks the backend about each running job and starts queued ones,
oldest first, while their owner runs fewer than max_running_per_person.

A job is claimed (queued -> running) in the store before the backend starts
it and its handle stored after, so a crash in between leaves a running job
without handle, which adoption hands to the backend to find by its id.
"""

from __future__ import annotations

import asyncio
import logging

from tornado.ioloop import IOLoop

from ..config import jobs as section
from ..hub.policy.types import Choice
from ..i18n import N_
from ..projects.model import is_project
from ..webservice.people import GONE
from . import model
from .backend import BackendError, Person
from .model import Job, Outcome

log = logging.getLogger("campushub.jobs")

# Stored as the job's error (English, marked so the page can show it in the reader's language).
# A job claimed by a service that died before backend.start() returned has no handle: its start may still
# be under way (a local start takes seconds), so the backend is asked for it by id this long before it is lost.
START_GRACE_S = 120
LOST = N_("The job was gone when the jobs service started again; its results may be incomplete.")
NOT_STARTED = N_("The job could not be started; tell the hub's administrator if this persists.")
UNRECORDED = N_("The job's result could not be recorded; its files in your jobs folder may say more.")
NO_OWNER = N_("The job was not started: its owner is no longer a user of the hub.")


class Scheduler:
    def __init__(self, config: dict, store, backend, people):
        self.store, self.backend, self.people = store, backend, people
        self.interval = float(config["jobs"]["poll_interval"])
        self.limit = section.limits(config)["max_running_per_person"]
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._starting: set[str] = set()  # claimed, backend.start() not returned yet

    async def off(self, fn, *args):
        return await IOLoop.current().run_in_executor(None, fn, *args)

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.ensure_future(self.run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def run(self) -> None:
        try:
            await self.adopt()
        except Exception:  # the database away at start: the ticks still look at every running job
            log.exception("adopting")
        while True:
            self._wake.clear()
            try:
                await self.tick()
            except Exception:  # the hub or the database away for a moment: try again next time
                log.exception("scheduling")
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except TimeoutError:
                pass

    async def adopt(self) -> None:
        for job in await self.off(self.store.in_state, model.RUNNING):
            try:
                alive = await self.off(self.backend.adopt, job)
            except Exception:
                log.exception("adopting %s: left running, asked again next time", job.id)
                continue
            if alive:
                log.info("adopted %s of %s", job.id, job.owner)
            elif job.handle is None and self._young(job):
                log.info("%s of %s was being started: looked for again", job.id, job.owner)
            else:
                log.warning("%s of %s is gone: lost", job.id, job.owner)
                try:
                    await self.off(self.store.finish, job.id, Outcome(model.LOST, error=LOST))
                except Exception:  # the next tick's poll finds it gone (lost) again
                    log.exception("recording %s as lost", job.id)

    async def tick(self) -> None:
        # one job whose poll, outcome or start raises must not hold up anybody else's: each on its own
        for job in await self.off(self.store.in_state, model.RUNNING):
            if job.id in self._starting:
                continue
            try:
                if job.handle is None and self._young(job) and not await self.off(self.backend.adopt, job):
                    continue  # its start, cut short by a restart, may not have got as far as the backend
                await self.check(job)
            except Exception:
                log.exception("checking %s", job.id)
        running = await self.off(self.store.running_counts)
        for job in await self.off(self.store.in_state, model.QUEUED):
            if running[job.owner] >= self.limit:
                continue
            running[job.owner] += 1
            try:
                await self.launch(job)
            except Exception:  # the hub away for a moment: left queued, tried again next time
                log.exception("launching %s", job.id)

    async def _projects(self, groups: tuple[str, ...]) -> tuple[str, ...]:
        found = []
        for name in groups:
            group = await self.people.group(name)
            if group and is_project(group.get("properties")):  # a group gone since gives nothing
                found.append(name)
        return tuple(found)

    @staticmethod
    def _young(job: Job) -> bool:
        return job.started is not None and (model.now() - job.started).total_seconds() < START_GRACE_S

    async def check(self, job: Job) -> None:
        try:
            outcome = await self.off(self.backend.poll, job)
        except Exception:
            log.exception("polling %s", job.id)
            return
        if outcome is None:
            return
        try:
            finished = await self.off(self.store.finish, job.id, outcome)
        except Exception:  # an outcome the store cannot take would fail here on every tick: one fixed instead
            log.exception("recording %s's outcome %r", job.id, outcome)
            outcome = Outcome(model.FAILED, error=UNRECORDED)
            finished = await self.off(self.store.finish, job.id, outcome)
        if finished:
            log.info("%s of %s: %s", job.id, job.owner, outcome.state)

    async def launch(self, job: Job) -> None:
        # before the claim: a hub away leaves it queued
        model_ = await self.people.refresh(job.owner)
        if model_.get(GONE):
            log.warning("%s of %s: the owner is no longer a hub user, not started", job.id, job.owner)
            await self.off(self.store.refuse, job.id, NO_OWNER)
            return
        groups = tuple(model_.get("groups") or ())
        person = Person(job.owner, groups, await self._projects(groups))
        claimed = await self.off(self.store.claim, job.id)
        if claimed is None:
            return  # cancelled meanwhile
        self._starting.add(job.id)
        try:
            await self._start(claimed, person)
        finally:
            self._starting.discard(job.id)

    async def _start(self, job: Job, person: Person) -> None:
        try:
            handle = await self.off(self.backend.start, job, Choice(**job.resources), person)
        except BackendError as e:
            log.warning("%s of %s not started: %s", job.id, job.owner, e)
            await self.off(self.store.finish, job.id, Outcome(model.FAILED, error=str(e) or NOT_STARTED))
            return
        except Exception:
            log.exception("starting %s", job.id)
            await self.off(self.store.finish, job.id, Outcome(model.FAILED, error=NOT_STARTED))
            return
        log.info("started %s of %s (%s)", job.id, job.owner, handle)
        if not await self.off(self.store.set_handle, job.id, handle):
            job.handle = handle  # cancelled while it started: stop what was started
            await self.off(self.backend.cancel, job)
