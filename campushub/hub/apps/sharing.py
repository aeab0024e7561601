"""Shares of one app, through JupyterHub's own records (orm.Share), as its
REST API (apihandlers/shares.py, the same in 5.5 and 6) grants and revokes
them: a share holds access:servers!server=<owner>/<app> and JupyterHub
checks it at every request the app's proxy makes for a viewer, so a revoked
share refuses the next request.

Who may share what differs from the REST API, which wants the `shares` scope
on the server (which would let anyone share their JupyterLab too: setup.py)
and read:users:name and read:groups:name on the target (which would let
everyone list every user and group, projects included). Here the owner of an
app, and only of an app, shares it with any existing person and with the
groups (projects) they belong to; an admin with any group.
"""

from __future__ import annotations

from dataclasses import dataclass

from jupyterhub import orm

from ...apps import model
from ...config import apps as apps_config
from ...i18n import N_
from .forms import Problem

NO_USER = N_("There is no person \"{name}\" on this hub: check the user name.")
NOT_YOUR_GROUP = N_("You can share only with groups and projects you belong to: \"{name}\" is not one of them.")
SELF = N_("The app is yours already: share it with someone else.")
SHARING_OFF = N_("Apps cannot be shared on this hub: their pages would run on the hub's own address and could act "
                 "as their viewers. An administrator can set hub.subdomain_host in campushub.yaml.")
NO_SUCH_SHARE = N_("\"{name}\" has no share of this app: nothing to revoke.")


@dataclass(frozen=True)
class ShareRow:
    kind: str  # "user" or "group"
    name: str
    created: str


def shares_of(orm_spawner) -> list[ShareRow]:
    rows = [ShareRow("group" if s.group else "user", (s.group or s.user).name,
                     s.created_at.strftime("%Y-%m-%d %H:%M") if s.created_at else "")
            for s in orm_spawner.shares if (s.group or s.user) is not None and not s.expired]
    return sorted(rows, key=lambda r: (r.kind, r.name))


@dataclass(frozen=True)
class SharedApp:
    owner: str
    server: str
    title: str
    url: str


def shared_with(handler, user) -> list[SharedApp]:
    """The apps others shared with this person, directly or with a group of theirs."""
    seen, out = set(), []
    for share in user.orm_user.all_shared_with_me:
        spawner = share.spawner
        if spawner is None or spawner.id in seen or not model.is_app(spawner.name) or share.expired:
            continue
        seen.add(spawner.id)
        owner = handler.users[spawner.user]
        title = ((spawner.user_options or {}).get(model.OPTION) or {}).get("title") or spawner.name
        out.append(SharedApp(owner.name, spawner.name, str(title), owner.server_url(spawner.name)))
    return sorted(out, key=lambda a: (a.owner, a.server))


def target(handler, kind: str, name: str):
    """The orm.User or orm.Group to share with, if the current person may name it."""
    me = handler.current_user
    if kind == "user":
        user = handler.find_user(name)
        if user is None:
            raise Problem(NO_USER, {"name": name})
        if user.name == me.name:
            raise Problem(SELF)
        return user.orm_user
    group = orm.Group.find(handler.db, name=name)
    # a group the person is not in: the same answer whether it exists or not
    if group is None or not (me.admin or any(g.id == group.id for g in me.groups)):
        raise Problem(NOT_YOUR_GROUP, {"name": name})
    return group


def grant(handler, orm_spawner, kind: str, name: str, config: dict) -> None:
    """orm_spawner: an app of the current person (the page finds it among theirs only)."""
    if not apps_config.sharing_allowed(config):
        raise Problem(SHARING_OFF)
    orm.Share.grant(handler.db, orm_spawner, target(handler, kind, name))  # default scope: access:servers!server=


def revoke(handler, orm_spawner, kind: str, name: str) -> None:
    if kind == "user":
        user = handler.find_user(name)
        share_with = user.orm_user if user else None
    else:
        share_with = orm.Group.find(handler.db, name=name)
    if share_with is None or orm.Share.find(handler.db, orm_spawner, share_with) is None:
        raise Problem(NO_SUCH_SHARE, {"name": name})
    orm.Share.revoke(handler.db, orm_spawner, share_with)
