"""Servers shared with a group reach the group's members through their OAuth
tokens too. JupyterHub (5.5, 6.1 and its main branch as of August 2026) counts
a group's shares when it checks a member in the hub itself (the OAuth
authorize step passes) but not in the scopes of the token the member then
gets (scopes.get_scopes_for reads only the token owner's own shares), so the
shared server's check of that token refuses every member: sharing with a
project would never work. Added here, to the scopes JupyterHub computes for a
token: the access scope of the token's own server when a group of the token's
owner holds a share of exactly that server, as the hub's own check does.
Computed at every request like the rest, so a revoked share or a member
removed from the group is refused at the next one."""

from __future__ import annotations

from jupyterhub import orm, scopes

from . import viewers

_MARK = "_campushub_group_shares"


def install() -> None:
    original = scopes.get_scopes_for
    if getattr(original, _MARK, False):
        return

    def get_scopes_for(orm_object):
        found = original(orm_object)
        if isinstance(orm_object, orm.APIToken) and orm_object.user is not None:
            extra = group_share_access(orm_object)
            if extra:
                found = type(found)(found | extra)
            found = viewers.restrict(orm_object, found)  # owner only where apps may not be shared
        return found

    setattr(get_scopes_for, _MARK, True)
    get_scopes_for.__wrapped__ = original
    get_scopes_for.__doc__ = original.__doc__
    scopes.get_scopes_for = get_scopes_for


def group_share_access(token) -> frozenset[str]:
    """The access scope of the server this OAuth token was issued for, if shared with a group of its owner."""
    client = token.oauth_client
    spawner = client.spawner if client is not None and client.identifier != "jupyterhub" else None
    if spawner is None:
        return frozenset()
    wanted = f"access:servers!server={spawner.user.name}/{spawner.name}"
    for group in token.user.groups:
        for share in group.shared_with_me:
            if share.spawner_id == spawner.id and not share.expired and wanted in share.scopes:
                return frozenset([wanted])
    return frozenset()
