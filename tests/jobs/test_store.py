"""The jobs store: migrations build the models' table; a submission is queued whole or
refused whole at the queue limit; claims, finishes and cancels move only from the states
they leave, so a scheduler and a person cancelling at once cannot both win."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from campushub.jobs import model
from campushub.jobs.model import Invalid, Job, Outcome
from campushub.jobs.store import SCHEMA, Store
from campushub.jobs.tables import Base
from campushub.webservice import db

from .. import postgres


# PostgreSQL starts a server (tests/postgres.py): the stack tier, which tests/tiers.py cannot see through
# getfixturevalue.
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.stack)])
def store_url(request, tmp_path):
    return postgres.fresh_url(request.param, tmp_path, request, "jobs")


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


def job(owner="alice", **kw) -> Job:
    return Job(id=model.new_id(), owner=owner, notebook="a.ipynb", resources={"cpu_limit": 1}, **kw)


def test_migrations_equal_models(store_url):
    Store(store_url).close()
    engine = create_engine(db.normalise(store_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "version_table": SCHEMA.version_table})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_a_long_path_and_big_parameters_fit(store):
    big = job(parameters={"text": "x" * 60000})
    big.notebook = "d/" * 500 + "n.ipynb"
    store.add([big], 10)
    assert store.get(big.id).parameters == big.parameters and store.get(big.id).notebook == big.notebook


def test_queue_limit_refuses_a_submission_whole(store):
    store.add([job(), job()], max_queued=3)
    with pytest.raises(Invalid) as e:
        store.add([job(), job()], max_queued=3)
    assert e.value.status == 409 and "2" in str(e.value) and "3" in str(e.value)
    assert len(store.list("alice")) == 2
    store.add([job("bob"), job("bob"), job("bob")], max_queued=3)  # another person's queue is their own


def test_records_round_trip_newest_first(store):
    first, second = job(parameters={"a": [1, "x"]}), job()
    store.add([first], 10)
    store.add([second], 10)
    got = store.list("alice")
    assert [j.id for j in got] == [second.id, first.id]
    assert got[1].parameters == {"a": [1, "x"]} and got[1].created == first.created
    assert store.list("bob") == [] and store.get("jnope") is None


def test_claim_finish_and_cancel_move_only_from_their_states(store):
    a, b = job(), job()
    store.add([a, b], 10)
    claimed = store.claim(a.id)
    assert claimed.state == model.RUNNING and claimed.started is not None
    assert store.claim(a.id) is None  # claimed once only
    assert store.set_handle(a.id, "h1")
    done = store.finish(a.id, Outcome(model.SUCCEEDED, exit_code=0, duration_s=1.5, peak_memory=100))
    assert done.state == model.SUCCEEDED and store.get(a.id).peak_memory == 100
    assert store.cancel(a.id) is None  # ended: nothing to cancel
    before = store.cancel(b.id)
    assert before.state == model.QUEUED and store.get(b.id).state == model.CANCELLED
    assert store.claim(b.id) is None  # a cancelled job is never started


def test_a_cancel_during_the_start_wins(store):
    a = job()
    store.add([a], 10)
    store.claim(a.id)
    assert store.cancel(a.id).handle is None
    assert store.set_handle(a.id, "h") is False  # the scheduler learns it must stop what it started
    assert store.get(a.id).handle == "h" and store.get(a.id).state == model.CANCELLED
    assert store.finish(a.id, Outcome(model.SUCCEEDED)) is None
