"""One person's job cannot stop the scheduler for everybody (attack review of issue 16, F1/F4): an
outcome out of range, a store that refuses an outcome, a hub that fails for one person, a person
the hub no longer has; and a person at their queue limit costs no look-up as them. Real store,
the stand-in backend of fakes.py (runs nothing); the real backends' side: test_runner.py,
tests/deploy/kubernetes/test_jobs_forged.py, tests/deploy/local/jobs/test_local_jobs_forged.py."""

from __future__ import annotations

import asyncio

import pytest

from campushub.config import loader
from campushub.jobs import model
from campushub.jobs.model import Invalid, Outcome
from campushub.jobs.operations import Jobs
from campushub.jobs.scheduler import NO_OWNER, UNRECORDED, Scheduler
from campushub.jobs.store import Store
from campushub.webservice.people import GONE

from .fakes import FakeBackend, FakePeople
from .test_scheduling import CONFIG


@pytest.fixture
def site(tmp_path):
    config = loader.loads(CONFIG)
    store = Store(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    backend = FakeBackend(config)
    people = FakePeople({})
    yield config, store, backend, people, Jobs(config, store, backend, people)
    store.close()


def submit(jobs, owner: str) -> str:
    return asyncio.run(jobs.submit(owner, {"notebook": "nb.ipynb"}))["jobs"][0]["id"]


def test_a_forged_outcome_does_not_stop_anybody_elses_jobs(site):
    config, store, backend, people, jobs = site
    scheduler = Scheduler(config, store, backend, people)
    evil = submit(jobs, "mallory")
    asyncio.run(scheduler.tick())
    # what her notebook made the backend read (before: OverflowError in store.finish, every tick)
    backend.outcomes[evil] = Outcome(model.SUCCEEDED, exit_code=2**40, failed_cell=2**70, peak_memory=2**80,
                                     duration_s=1e300, finished=1e300)
    honest = submit(jobs, "bob")
    asyncio.run(scheduler.tick())
    assert store.get(honest).state == model.RUNNING
    ended = store.get(evil)
    assert ended.state == model.SUCCEEDED and (ended.exit_code, ended.failed_cell, ended.peak_memory) == (None,) * 3


class PickyStore(Store):
    """A database refusing one job's outcome (as PostgreSQL refuses a value its column cannot hold)."""

    def __init__(self, url: str):
        super().__init__(url)
        self.refused: set[str] = set()

    def finish(self, job_id, outcome):
        if job_id in self.refused and outcome.error != UNRECORDED:
            raise OverflowError("integer out of range")
        return super().finish(job_id, outcome)


def test_an_outcome_the_store_refuses_ends_the_job_failed_instead_of_failing_every_tick(site, tmp_path):
    config, _, backend, people, _ = site
    store = PickyStore(f"sqlite:///{tmp_path / 'picky.sqlite'}")
    try:
        jobs = Jobs(config, store, backend, people)
        scheduler = Scheduler(config, store, backend, people)
        evil = submit(jobs, "mallory")
        asyncio.run(scheduler.tick())
        store.refused.add(evil)
        backend.outcomes[evil] = Outcome(model.FAILED, failed_cell=3)
        honest = submit(jobs, "bob")
        asyncio.run(scheduler.tick())
        assert (store.get(evil).state, store.get(evil).error) == (model.FAILED, UNRECORDED)
        assert store.get(honest).state == model.RUNNING
    finally:
        store.close()


class FlakyPeople(FakePeople):
    async def refresh(self, name):
        if name == "mallory":
            raise RuntimeError("the hub answered 500 for this one")
        return await super().refresh(name)


def test_a_start_that_fails_for_one_person_leaves_theirs_queued_and_starts_the_others(site):
    config, store, backend, _, jobs = site
    people = FlakyPeople({})
    first, second = submit(jobs, "mallory"), submit(jobs, "bob")
    asyncio.run(Scheduler(config, store, backend, people).tick())
    assert (store.get(first).state, store.get(second).state) == (model.QUEUED, model.RUNNING)


def test_a_job_of_someone_the_hub_no_longer_has_is_cancelled_not_started(site):
    config, store, backend, people, jobs = site
    gone = submit(jobs, "dave")
    people.people["dave"] = {GONE: True}  # removed from the hub after submitting (refresh's 404)
    asyncio.run(Scheduler(config, store, backend, people).tick())
    job = store.get(gone)
    assert (job.state, job.error) == (model.CANCELLED, NO_OWNER) and gone not in backend.started


def test_a_person_at_the_queue_limit_is_refused_before_their_notebook_is_looked_up(site):
    config, store, backend, people, jobs = site
    asyncio.run(jobs.submit("alice", {"notebook": "nb.ipynb", "sweep": {"x": [1, 2, 3, 4, 5]}}))
    submit(jobs, "alice")  # 6: max_queued_per_person
    before = backend.lookups
    with pytest.raises(Invalid) as e:
        submit(jobs, "alice")
    assert e.value.status == 409 and "6" in str(e.value)
    assert backend.lookups == before and len(store.list("alice")) == 6


def test_adoption_goes_on_past_a_job_the_store_cannot_record(site, tmp_path):
    config, _, backend, people, _ = site
    store = PickyStore(f"sqlite:///{tmp_path / 'picky.sqlite'}")
    try:
        jobs = Jobs(config, store, backend, people)
        first, second = submit(jobs, "mallory"), submit(jobs, "bob")
        asyncio.run(Scheduler(config, store, backend, people).tick())
        backend.alive.clear()  # both gone while the service was down
        store.refused.add(first)
        asyncio.run(Scheduler(config, store, backend, people).adopt())  # raised, and the scheduler never ran
        assert (store.get(first).state, store.get(second).state) == (model.RUNNING, model.LOST)
    finally:
        store.close()
