"""The upstream gap hub/apps/group_shares.py closes, on JupyterHub's own ORM
and scope code (an in-memory database, no hub): a server shared with a group
is in its members' OAuth tokens' scopes only with the fix, only for that
server, and no longer once the share is revoked or the member leaves."""

from __future__ import annotations

import pytest
from jupyterhub import orm, roles, scopes

from campushub.hub.apps import group_shares


@pytest.fixture
def db():
    session = orm.new_session_factory("sqlite:///:memory:")()
    for role in roles.get_default_roles():
        roles.create_role(session, role)
    yield session
    session.close()


def _world(db):
    alice, bob, carol = (orm.User(name=n) for n in ("alice", "bob", "carol"))
    project = orm.Group(name="churn", users=[alice, bob])
    db.add_all([alice, bob, carol, project])
    db.commit()
    for user in (alice, bob, carol):
        roles.grant_role(db, user, "user")
    servers = {}
    for name in ("app-churn", "app-other"):
        spawner = orm.Spawner(user=alice, name=name)
        spawner.oauth_client = orm.OAuthClient(identifier=f"jupyterhub-user-alice-{name}", secret="s",
                                               redirect_uri=f"/user/alice/{name}/oauth_callback")
        db.add(spawner)
        servers[name] = spawner
    db.commit()
    return alice, bob, carol, project, servers


def _token(db, user, spawner):
    # as JupyterHub's OAuth provider issues them: the server's client, the identify scopes
    token = orm.APIToken.new(user=user, oauth_client=spawner.oauth_client, scopes=["read:users:name!user"])
    return orm.APIToken.find(db, token)


ACCESS = "access:servers!server=alice/app-churn"


def test_a_group_share_reaches_members_tokens_only_with_the_fix(db):
    _, bob, carol, project, servers = _world(db)
    original = getattr(scopes.get_scopes_for, "__wrapped__", scopes.get_scopes_for)
    group_shares.install()
    group_shares.install()  # once only
    assert scopes.get_scopes_for.__wrapped__ is original
    bob_token = _token(db, bob, servers["app-churn"])
    assert ACCESS not in scopes.get_scopes_for(bob_token)  # nothing shared yet

    orm.Share.grant(db, servers["app-churn"], project)
    assert ACCESS in original(bob)  # the hub's own check of bob himself counts his groups' shares
    assert ACCESS not in original(bob_token)  # the upstream gap this closes
    assert ACCESS in scopes.get_scopes_for(bob_token)
    # not someone outside the group, not another server of the owner through this share
    assert ACCESS not in scopes.get_scopes_for(_token(db, carol, servers["app-churn"]))
    other = scopes.get_scopes_for(_token(db, bob, servers["app-other"]))
    assert not any(s.startswith("access:servers!server=alice/") for s in other)

    project.users.remove(bob)
    db.commit()
    assert ACCESS not in scopes.get_scopes_for(bob_token)  # left the project
    project.users.append(bob)
    db.commit()
    assert ACCESS in scopes.get_scopes_for(bob_token)
    orm.Share.revoke(db, servers["app-churn"], project)
    db.expire_all()
    assert ACCESS not in scopes.get_scopes_for(bob_token)  # revoked
