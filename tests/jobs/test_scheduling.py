"""The service's operations and scheduler on a real store and a stand-in backend
(tests/jobs/fakes.py: runs nothing): a sweep queued whole, the per-person running
limit, adoption after a restart, cancelling, bad input refused with one line and
nothing stored, and another person's jobs out of reach. With real processes and a
real hub: test_service_stack.py."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from campushub.config import loader
from campushub.jobs import model
from campushub.jobs.model import Invalid, Outcome
from campushub.jobs.operations import Jobs
from campushub.jobs.scheduler import START_GRACE_S, Scheduler
from campushub.jobs.store import TABLE, Store

from .fakes import FakeBackend, FakePeople

CONFIG = """
jobs: {enabled: true, max_running_per_person: 2, max_queued_per_person: 6, max_sweep: 5}
policies:
  default: {cpu: {min: 0.5, max: 4, default: 1}, memory: {min: 256M, max: 8G, default: 2G}}
profiles:
  small: {cpu: 1, memory: 1G}
  big: {cpu: 64, memory: 1T}
  staff: {cpu: 1, memory: 1G, groups: [staff]}
"""


@pytest.fixture
def site(tmp_path):
    config = loader.loads(CONFIG)
    store = Store(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    backend = FakeBackend(config)
    people = FakePeople({"carol": {"admin": True}})
    jobs = Jobs(config, store, backend, people)
    yield config, store, backend, people, jobs
    store.close()


def run(coro):
    return asyncio.run(coro)


def test_a_sweep_queues_one_job_per_value_and_runs_two_at_a_time(site):
    config, store, backend, people, jobs = site
    scheduler = Scheduler(config, store, backend, people)
    made = run(jobs.submit("alice", {"notebook": "nb.ipynb", "parameters": ["epochs=3"],
                                     "sweep": ["lr=0.1,0.01,1e-3,1"]}))
    assert made["sweep"] and len(made["jobs"]) == 4
    assert sorted(j["parameters"]["lr"] for j in made["jobs"]) == [0.001, 0.01, 0.1, 1]
    assert all(j["parameters"]["epochs"] == 3 and j["state"] == "queued" for j in made["jobs"])
    run(scheduler.tick())
    assert len(backend.started) == 2  # the limit; the others wait
    states = sorted(j.state for j in store.list("alice"))
    assert states == ["queued", "queued", "running", "running"]
    first = next(iter(backend.started))
    resources, person = backend.started[first]
    assert person.name == "alice" and resources.mem_limit > 0
    backend.outcomes[first] = Outcome(model.SUCCEEDED, exit_code=0, duration_s=2.0, peak_memory=1 << 20)
    run(scheduler.tick())
    assert store.get(first).state == "succeeded" and len(backend.started) == 3


def test_other_people_are_not_held_up_by_a_full_queue(site):
    config, store, backend, people, jobs = site
    run(jobs.submit("alice", {"notebook": "a.ipynb", "sweep": {"x": [1, 2, 3]}}))
    run(jobs.submit("bob", {"notebook": "b.ipynb"}))
    run(Scheduler(config, store, backend, people).tick())
    owners = sorted(store.get(i).owner for i in backend.started)
    assert owners == ["alice", "alice", "bob"]


def test_adoption_after_a_restart_keeps_living_jobs_and_marks_the_rest_lost(site):
    config, store, backend, people, jobs = site
    run(jobs.submit("alice", {"notebook": "a.ipynb", "sweep": {"x": [1, 2]}}))
    run(Scheduler(config, store, backend, people).tick())
    kept, gone = list(backend.started)
    backend.alive.discard(gone)
    run(Scheduler(config, store, backend, people).adopt())  # a new service process
    assert store.get(kept).state == "running" and store.get(gone).state == "lost"
    assert "gone" in store.get(gone).error


def test_cancelling_queued_and_running_jobs(site):
    config, store, backend, people, jobs = site
    made = run(jobs.submit("alice", {"notebook": "a.ipynb", "sweep": {"x": [1, 2, 3]}}))
    run(Scheduler(config, store, backend, people).tick())
    running = next(iter(backend.started))
    queued = next(j["id"] for j in made["jobs"] if j["id"] not in backend.started)
    assert run(jobs.cancel("alice", running))["state"] == "cancelled" and backend.cancelled == [running]
    assert run(jobs.cancel("alice", queued))["state"] == "cancelled" and backend.cancelled == [running]
    with pytest.raises(Invalid) as e:
        run(jobs.cancel("alice", running))
    assert e.value.status == 409


def test_another_persons_jobs_do_not_exist_for_them(site):
    config, store, backend, people, jobs = site
    made = run(jobs.submit("alice", {"notebook": "a.ipynb"}))
    job_id = made["jobs"][0]["id"]
    assert run(jobs.get("bob", job_id)) is None and run(jobs.list("bob")) == []
    with pytest.raises(Invalid) as e:
        run(jobs.cancel("bob", job_id))
    assert e.value.status == 404 and store.get(job_id).state == "queued"
    assert run(jobs.sweep("bob", made["sweep"] or "s0")) == []
    assert run(jobs.get(None, job_id))["owner"] == "alice"  # an admin or operator (scope None)


@pytest.mark.parametrize(("body", "words"), [
    ({"notebook": "../x.ipynb"}, "not inside your home"),
    ({"notebook": "x.py"}, "not a notebook"),
    ({"notebook": "missing.ipynb"}, "not a notebook"),
    ({"notebook": "a.ipynb", "parameters": ["1x=2"]}, "not a parameter name"),
    ({"notebook": "a.ipynb", "parameters": ["lr"]}, "not name=value"),
    ({"notebook": "a.ipynb", "sweep": {"a": [1, 2, 3], "b": [1, 2]}}, "makes 6 jobs"),
    ({"notebook": "a.ipynb", "profile": "nope"}, "no profile nope"),
    ({"notebook": "a.ipynb", "profile": "big"}, "CPU must be"),
    ({"notebook": "a.ipynb", "profile": "staff"}, "not available to you"),
    ({"notebook": "a.ipynb", "colour": "red"}, "Unknown field colour"),
    ({"notebook": "a.ipynb", "sweep": {"a": [1, 2, 3, 4]}, "parameters": {"z": 1}}, None),  # fills the queue
])
def test_bad_input_is_one_line_and_changes_nothing(site, body, words):
    config, store, backend, people, jobs = site
    backend.missing.add("missing.ipynb")
    run(jobs.submit("alice", {"notebook": "first.ipynb", "sweep": {"k": [1, 2, 3]}}))  # 3 of 6 queued
    if words is None:  # 3 + 4 > max_queued_per_person 6
        words = "You have 3 jobs waiting"
    with pytest.raises(Invalid) as e:
        run(jobs.submit("alice", body))
    assert words in str(e.value) and "\n" not in str(e.value)
    assert "\n" not in e.value.translated("ja") and e.value.translated("ru") != str(e.value)
    assert len(store.list("alice")) == 3 and not backend.started


def test_profiles_a_person_may_choose(site):
    config, store, backend, people, jobs = site
    assert run(jobs.profiles("alice")) == {"profiles": [{"name": "small", "display_name": "small"}], "default": None}
    people.people["dora"] = {"groups": ["staff"]}
    assert [p["name"] for p in run(jobs.profiles("dora"))["profiles"]] == ["small", "staff"]
    made = run(jobs.submit("dora", {"notebook": "a.ipynb", "profile": "staff"}))
    assert made["jobs"][0]["profile"] == "staff" and made["jobs"][0]["resources"]["mem_limit"] == 1 << 30


def test_a_start_the_backend_refuses_fails_the_job_with_its_line(site):
    config, store, backend, people, jobs = site
    made = run(jobs.submit("alice", {"notebook": "a.ipynb"}))
    backend.refuse = "alice has no unix account yet: start a server once"
    run(Scheduler(config, store, backend, people).tick())
    job = store.get(made["jobs"][0]["id"])
    assert job.state == "failed" and job.error == backend.refuse


def test_a_start_cut_short_by_a_restart_is_looked_for_before_it_is_lost(site):
    config, store, backend, people, jobs = site
    made = run(jobs.submit("alice", {"notebook": "a.ipynb", "sweep": {"x": [1, 2]}}))
    first, second = (j["id"] for j in made["jobs"])
    store.claim(first)  # the service died between the claim and storing the handle
    store.claim(second)
    later = Scheduler(config, store, backend, people)
    run(later.adopt())
    assert store.get(first).state == "running"  # young: its start may still be under way
    backend.alive.add(first)  # the backend found it by its id
    backend.outcomes[first] = Outcome(model.SUCCEEDED, exit_code=0)
    old = model.now() - timedelta(seconds=START_GRACE_S + 1)
    with store._writer.begin() as connection:  # the other one's start was long ago
        connection.execute(TABLE.update().where(TABLE.c.id == second).values(started=old))
    run(later.tick())
    assert store.get(first).state == "succeeded"
    run(later.adopt())
    assert store.get(second).state == "lost"


def test_each_deployment_names_its_backend(site, monkeypatch):
    from campushub.deploy.kubernetes.jobs import KubernetesBackend
    from campushub.deploy.local.jobs import LocalBackend
    from campushub.jobs.backend import make_backend

    config = site[0]
    monkeypatch.setenv("CAMPUSHUB_JOBS_BACKEND", "kubernetes")
    assert isinstance(make_backend(config), KubernetesBackend)
    monkeypatch.delenv("CAMPUSHUB_JOBS_BACKEND")
    assert isinstance(make_backend(config), LocalBackend)


def test_the_backend_is_told_which_of_the_persons_groups_are_projects(site):
    # On Kubernetes a job mounts the claims of these groups only (a claim that does not exist keeps
    # its pod Pending), as the person's server does; a plain group or one deleted since gives none.
    config, store, backend, _, jobs = site
    people = FakePeople({"dora": {"groups": ["churn", "students", "gone"]}},
                        {"churn": {"name": "churn", "properties": {"campushub_project": {"owners": []}}},
                         "students": {"name": "students", "properties": {}}})
    made = run(Jobs(config, store, backend, people).submit("dora", {"notebook": "nb.ipynb"}))
    run(Scheduler(config, store, backend, people).tick())
    _, person = backend.started[made["jobs"][0]["id"]]
    assert person.groups == ("churn", "students", "gone") and person.projects == ("churn",)
