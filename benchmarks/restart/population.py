"""The same 10,000 people written into each hub's database while that hub is stopped.

Rows go in with SQLAlchemy Core inserts against JupyterHub's own tables
(jupyterhub.orm), into a database the hub created and migrated itself on
its first start: the hub then finds them as it finds people who signed up
over months. Every person gets JupyterHub's default `user` role, as the hub
gives one it creates; some are in course groups, some are admins (the
`admin` role; a role that neither hub's configuration defines would be
deleted by the hub at its start).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from jupyterhub import orm

GROUPS = 20          # courses; every third person is in one, every fifteenth in two
ADMIN_EVERY = 200    # every 200th person is an admin


def names(users: int) -> list[str]:
    return [f"learner{i:05d}" for i in range(users)]


def memberships(users: int) -> list[tuple[int, int]]:
    """(person index, group index) pairs."""
    pairs = []
    for i in range(users):
        if i % 3 == 0:
            pairs.append((i, i % GROUPS))
        if i % 15 == 0:
            pairs.append((i, (i + 7) % GROUPS))
    return pairs


def populate(db_url: str, users: int) -> dict:
    """Add `users` people and GROUPS groups; returns what was added (the same for both hubs)."""
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            user_role, admin_role = _role(conn, "user"), _role(conn, "admin")
            first = conn.execute(sa.select(sa.func.coalesce(sa.func.max(orm.User.id), 0))).scalar() + 1
            conn.execute(orm.User.__table__.insert(), [
                {"id": first + i, "name": name, "admin": i % ADMIN_EVERY == 0, "created": now, "last_activity": now,
                 "cookie_id": f"bench-{first + i:08d}", "user_info": None}
                for i, name in enumerate(names(users))])
            group_ids = []
            for g in range(GROUPS):
                result = conn.execute(orm.Group.__table__.insert().values(name=f"course{g:02d}", properties={}))
                group_ids.append(result.inserted_primary_key[0])
            pairs = memberships(users)
            conn.execute(orm.user_group_map.insert(),
                         [{"user_id": first + i, "group_id": group_ids[g]} for i, g in pairs])
            roles = [{"user_id": first + i, "role_id": user_role, "managed_by_auth": False} for i in range(users)]
            roles += [{"user_id": first + i, "role_id": admin_role, "managed_by_auth": False}
                      for i in range(0, users, ADMIN_EVERY)]
            conn.execute(orm._role_associations["user"].__table__.insert(), roles)
    finally:
        engine.dispose()
    return {"users": users, "groups": GROUPS, "memberships": len(pairs),
            "admins": len(range(0, users, ADMIN_EVERY))}


def _role(conn, name: str) -> int:
    """The id of one of the roles JupyterHub always has."""
    table = orm.Role.__table__
    found = conn.execute(sa.select(table.c.id).where(table.c.name == name)).scalar()
    if found is None:
        raise RuntimeError(f"the hub made no {name!r} role in its database: was it started once?")
    return found
