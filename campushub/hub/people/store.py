"""The hub's people as the import sees them, and a plan carried out on them
with JupyterHub's own ORM calls (those of its REST API's user and group
handlers: default roles, the authenticator's add_user)."""

from __future__ import annotations

import asyncio

from jupyterhub import orm
from jupyterhub.roles import assign_default_roles
from jupyterhub.utils import maybe_future
from sqlalchemy.orm import selectinload

from .model import DisplayName
from .plan import Person, Step

YIELD_EVERY = 20  # lines between returns to the hub's event loop during a long import


def people(db) -> dict[str, Person]:
    names = dict(db.query(DisplayName.user_id, DisplayName.display_name))
    users = db.query(orm.User).options(selectinload(orm.User.groups))
    return {u.name: Person(bool(u.admin), frozenset(g.name for g in u.groups), names.get(u.id, ""))
            for u in users}


async def carry_out(handler, steps: list[Step]) -> None:
    """handler: a JupyterHub BaseHandler (its db, users, authenticator)."""
    db = handler.db
    groups: dict[str, orm.Group] = {}
    for i, step in enumerate(steps):
        if step.outcome == "unchanged":
            continue
        user = handler.find_user(step.username)
        if user is None:
            user = handler.user_from_username(step.username)
            await maybe_future(handler.authenticator.add_user(user))
        if step.admin is not None:
            user.admin = step.admin
            assign_default_roles(db, entity=user)
        for name in step.add_groups:
            group = groups.get(name) or orm.Group.find(db, name)
            if group is None:
                group = orm.Group(name=name)
                db.add(group)
            groups[name] = group
            if user.orm_user not in group.users:
                group.users.append(user.orm_user)
        for name in step.remove_groups:
            group = orm.Group.find(db, name)
            if group is not None and user.orm_user in group.users:
                group.users.remove(user.orm_user)
        if step.display_name is not None:
            _set_display_name(db, user.orm_user.id, step.display_name)
        db.commit()
        if i % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)  # let the hub serve others between batches


def _set_display_name(db, user_id: int, name: str) -> None:
    row = db.get(DisplayName, user_id)
    if not name:
        if row is not None:
            db.delete(row)
    elif row is None:
        db.add(DisplayName(user_id=user_id, display_name=name))
    else:
        row.display_name = name
