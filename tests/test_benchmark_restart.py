"""The restart benchmark (benchmarks/restart/): options, the people it writes into a real
JupyterHub database, its summary, and one tiny real run (two hubs; the stack tier)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from jupyterhub import orm

from benchmarks.restart.__main__ import parse
from benchmarks.restart.population import ADMIN_EVERY, GROUPS, populate
from benchmarks.restart.report import summarize, table

ROOT = Path(__file__).resolve().parents[1]


def test_options_are_checked():
    args = parse(["--users", "300", "--rounds", "2"])
    assert (args.users, args.rounds, args.requests) == (300, 2, 200)
    for bad in (["--users", "199"], ["--rounds", "0"], ["--requests", "0"], ["--warmup", "-1"]):
        with pytest.raises(SystemExit):
            parse(bad)


def _hub_database(tmp_path: Path) -> str:
    """A database with JupyterHub's tables and the two roles the hub always makes."""
    url = f"sqlite:///{tmp_path}/jupyterhub.sqlite"
    db = orm.new_session_factory(url)()
    db.add_all([orm.Role(name="user", scopes=["self"]), orm.Role(name="admin", scopes=["admin-ui"])])
    db.commit()
    db.close()
    return url


def test_the_people_are_what_jupyterhub_reads(tmp_path):
    url = _hub_database(tmp_path)
    added = populate(url, 600)
    assert added == {"users": 600, "groups": GROUPS, "memberships": 240, "admins": 600 // ADMIN_EVERY}
    db = orm.new_session_factory(url)()
    try:
        assert db.query(orm.User).count() == 600 and db.query(orm.Group).count() == GROUPS
        first, second = orm.User.find(db, "learner00000"), orm.User.find(db, "learner00001")
        assert first.admin and {r.name for r in first.roles} == {"user", "admin"}
        assert len(first.groups) == 2  # every 15th is in two courses
        assert not second.admin and [r.name for r in second.roles] == ["user"] and second.groups == []
        assert len(orm.User.find(db, "learner00003").groups) == 1
    finally:
        db.close()


def test_a_database_the_hub_never_started_on_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path}/empty.sqlite"
    orm.new_session_factory(url)().close()  # tables, but no roles: no hub ever ran on it
    with pytest.raises(RuntimeError, match="no 'user' role"):
        populate(url, 200)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from users")).scalar() == 0  # nothing half-written
    engine.dispose()


def _phases(campus_s, stock_s, campus_ms, stock_ms):
    phases = [{"target": "campushub", "phase": "restart", "round": i + 1, "api_s": s, "up_done_s": s + 2}
              for i, s in enumerate(campus_s)]
    phases += [{"target": "stock", "phase": "restart", "round": i + 1, "api_s": s} for i, s in enumerate(stock_s)]
    phases += [{"target": "campushub", "phase": "users_api", "round": 1, "samples_ms": campus_ms},
               {"target": "stock", "phase": "users_api", "round": 1, "samples_ms": stock_ms}]
    return phases


def test_summary_checks_both_targets_of_issue_14():
    met = summarize(_phases([4.0, 4.4, 9.0], [4.0, 4.2, 4.1], [20.0] * 19 + [60.0], [25.0] * 20))
    assert met["campushub"]["restart_api_s"]["median"] == 4.4 and met["stock"]["restart_api_s"]["median"] == 4.1
    assert met["campushub"]["restart_up_done_s"]["median"] == 6.4
    assert met["campushub"]["users_api_ms"]["p95"] == 20.0  # nearest rank: the 19th of 20
    assert met["targets"]["restart"] == {"campushub_median_s": 4.4, "limit_s": 4.6, "met": True}
    assert met["targets"]["users_api_p95"]["met"] is True
    missed = summarize(_phases([4.7], [4.1], [20.0] * 18 + [60.0, 70.0], [25.0]))
    assert missed["targets"]["restart"]["met"] is False and missed["targets"]["users_api_p95"]["met"] is False
    text = table({"summary": missed, "people": {"users": 10000, "groups": 20, "memberships": 4001, "admins": 50}})
    assert "| restart: up -> GET /hub/api/ answers, median | 4.1 s | 4.7 s |" in text
    assert "target restart: NOT met" in text and "10000 users in 20 groups" in text


@pytest.mark.stack
def test_a_tiny_run_measures_both_hubs(tmp_path):
    out = tmp_path / "restart.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks.restart", "--users", "200", "--rounds", "1",
                          "--requests", "5", "--block", "5", "--warmup", "0", "--json", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(out.read_text())
    for target in ("campushub", "stock"):
        assert result["summary"][target]["restart_api_s"]["n"] == 1
        assert result["summary"][target]["users_api_ms"]["n"] == 5
    assert result["people"]["users"] == 200 and "restart: up -> GET /hub/api/ answers" in run.stdout
    assert "cleanup done" in run.stderr
