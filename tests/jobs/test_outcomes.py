"""The platform's own outcome lines (jobs/outcomes.py): written by the supervisor and the backends in
English as one line, shown in the reader's language with their values; a notebook's own error as is.
A local job asking for GPUs is refused at submission with one translated line and nothing queued."""

from __future__ import annotations

import asyncio

import pytest

from campushub.config import loader
from campushub.deploy.kubernetes.jobs import outcome
from campushub.deploy.local.jobs import LocalBackend
from campushub.deploy.local.jobs.wrapper import decide
from campushub.i18n import catalog
from campushub.jobs import outcomes
from campushub.jobs.model import Invalid
from campushub.jobs.operations import Jobs
from campushub.jobs.store import Store

from .fakes import FakePeople


def japanese(line: str) -> str:
    shown = outcomes.shown("ja", line)
    assert shown != line and "\n" not in shown, line
    return shown


@pytest.mark.parametrize(("made", "value"), [
    (lambda: decide(None, -9, oom=False, cancelled=False), "9"),
    (lambda: decide(None, 3, oom=False, cancelled=False), "3"),
    (lambda: decide(None, None, oom=False, cancelled=False), None),
    (lambda: decide(None, -9, oom=True, cancelled=False, over=90.0), "1.5"),
    (lambda: decide(None, -9, oom=True, cancelled=False), None),
    (lambda: outcome({"failed": 1}, {"exitCode": 2}).__dict__, "2"),
])
def test_the_supervisor_s_and_the_cluster_s_lines_are_shown_in_japanese_with_their_values(made, value):
    error = made()["error"]
    assert error.isascii() and "\n" not in error
    shown = japanese(error)
    if value is not None:
        assert value in shown


@pytest.mark.parametrize("line", [
    outcomes.NO_ACCOUNT.format(owner="alice"), outcomes.NO_ENVIRONMENT.format(environment="base:2024"),
    outcomes.POD_STUCK.format(reason="ImagePullBackOff"), outcomes.SUPERVISOR_GONE, outcomes.NO_GPUS,
])
def test_start_refusals_are_shown_in_japanese(line):
    assert any(v in japanese(line) for v in ("alice", "base:2024", "ImagePullBackOff", "GPU", "("))


def test_every_marked_outcome_has_its_translations():
    for lang in ("ja", "ru"):
        assert all(catalog(lang).get(source) for source in outcomes.KNOWN), lang


def test_a_notebook_s_own_error_is_shown_as_it_is():
    assert outcomes.shown("ja", "cell 2: ZeroDivisionError: division by zero") == \
        "cell 2: ZeroDivisionError: division by zero"


def test_a_local_job_asking_for_gpus_is_refused_at_submission_and_nothing_is_queued(tmp_path):
    config = loader.loads("""
jobs: {enabled: true}
policies:
  default: {cpu: {min: 0.5, max: 4, default: 1}, memory: {min: 256M, max: 8G, default: 2G}, gpus: {max: 1}}
profiles:
  gpu: {cpu: 1, memory: 1G, gpus: 1}
""")
    config["data_dir"] = str(tmp_path)
    store = Store(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    try:
        jobs = Jobs(config, store, LocalBackend(config, records=tmp_path / "runs"), FakePeople({}))
        with pytest.raises(Invalid) as refused:
            asyncio.run(jobs.submit("alice", {"notebook": "nb.ipynb", "profile": "gpu"}))
        assert refused.value.status == 400 and refused.value.message == outcomes.NO_GPUS
        assert "GPU" in catalog("ja")[refused.value.message]
        assert store.list("alice") == []
    finally:
        store.close()
