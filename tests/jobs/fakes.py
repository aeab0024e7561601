"""A backend of the tests' own for the service's unit tests (fast tier): it runs
nothing, it remembers what it was asked and ends jobs when a test says so. The
real backends are tested with real processes (tests/deploy/local, the stack tests)."""

from __future__ import annotations

from campushub.jobs.backend import Backend, BackendError
from campushub.jobs.model import Invalid, Outcome


class FakeBackend(Backend):
    def __init__(self, config: dict):
        super().__init__(config)
        self.started: dict[str, tuple] = {}  # job id -> (resources, person)
        self.outcomes: dict[str, Outcome] = {}
        self.cancelled: list[str] = []
        self.alive: set[str] = set()
        self.refuse: str | None = None
        self.missing: set[str] = set()
        self.lookups = 0  # notebook_problem() calls: each is a process as the person on a real site

    def start(self, job, resources, person):
        if self.refuse:
            raise BackendError(self.refuse)
        self.started[job.id] = (resources, person)
        self.alive.add(job.id)
        return f"fake-{job.id}"

    def poll(self, job):
        return self.outcomes.get(job.id)

    def cancel(self, job):
        self.cancelled.append(job.id)
        self.alive.discard(job.id)

    def adopt(self, job):
        return job.id in self.alive

    def notebook_problem(self, owner, notebook):
        self.lookups += 1
        return Invalid("{path} is not a notebook: name a .ipynb file.", path=notebook) if notebook in self.missing \
            else None


class FakePeople:
    """webservice.People's refresh() as the service uses it."""

    def __init__(self, people: dict[str, dict], groups: dict[str, dict] | None = None):
        self.people = people
        self.groups = groups or {}  # group name -> the hub's model (properties)

    async def refresh(self, name: str) -> dict:
        return {"name": name, "admin": False, "groups": [], **self.people.get(name, {})}

    async def group(self, name: str) -> dict | None:
        return self.groups.get(name)
