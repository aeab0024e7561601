"""The index `up`'s hub adds for GET /hub/api/users (deploy/local/users_listing_index.py), on a real
SQLite database with JupyterHub's own schema, made by JupyterHub's ORM."""

from __future__ import annotations

from jupyterhub import orm
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from campushub.deploy.local import users_listing_index


def _plan(db) -> str:
    # the page query of JupyterHub's UserListAPIHandler.get (jupyterhub/apihandlers/users.py): NULLs ordered explicitly
    page = db.query(orm.User).order_by(orm.User.id.is_not(None), orm.User.id.asc()).offset(0).limit(200)
    sql = str(page.statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    return " | ".join(row[-1] for row in db.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


def test_the_users_page_is_read_off_the_index_instead_of_sorting_everyone(tmp_path):
    db = orm.new_session_factory(f"sqlite:///{tmp_path / 'jupyterhub.sqlite'}")()
    db.add_all(orm.User(name=f"learner{i}") for i in range(50))
    db.commit()
    assert "TEMP B-TREE FOR ORDER BY" in _plan(db)  # without it SQLite sorts every user for each page
    assert users_listing_index.ensure(db) is True
    assert users_listing_index.ensure(db) is True  # every start: already there is fine
    plan = _plan(db)
    assert f"USING INDEX {users_listing_index.NAME}" in plan and "TEMP B-TREE" not in plan
    page = db.query(orm.User).order_by(orm.User.id.is_not(None), orm.User.id.asc()).limit(3)
    assert [u.name for u in page] == ["learner0", "learner1", "learner2"]
    db.close()
