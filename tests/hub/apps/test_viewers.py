"""Where apps may not be shared (no hub.subdomain_host, no opt-in), an app
opens for its owner only: on JupyterHub's own ORM and scope code (an
in-memory database, no hub), the OAuth tokens of anyone else for the app's
server lose their access, whether they come through a share, a group's
share or admin rights; the owner's own and other servers' tokens keep theirs.
The page's side and a real viewer's refusal: test_page_stack.py."""

from __future__ import annotations

from jupyterhub import orm, scopes
from traitlets.config import Config

from campushub.config import validate
from campushub.hub.apps import group_shares, setup, viewers

from .test_group_shares import _token, _world, db  # noqa: F401  (db is a fixture)

ACCESS = "access:servers!server=alice/app-churn"


def _access(found) -> bool:
    return any(s.startswith("access:servers") for s in found)


def test_only_the_owner_opens_an_app_where_apps_are_not_shareable(db):  # noqa: F811
    from jupyterhub import roles

    alice, bob, carol, project, servers = _world(db)
    roles.grant_role(db, carol, "admin")
    orm.Share.grant(db, servers["app-churn"], bob)
    orm.Share.grant(db, servers["app-other"], project)
    group_shares.install()
    tokens = {(u.name, s): _token(db, u, servers[s]) for u in (alice, bob, carol) for s in servers}
    lab = orm.Spawner(user=alice, name="")
    lab.oauth_client = orm.OAuthClient(identifier="jupyterhub-user-alice", secret="s", redirect_uri="/user/alice/cb")
    db.add(lab)
    db.commit()
    orm.Share.grant(db, lab, bob)  # not an app: JupyterHub's sharing as it is (people cannot share it: setup.py)
    bob_lab = _token(db, bob, lab)

    assert ACCESS in scopes.get_scopes_for(tokens[("bob", "app-churn")])  # shared: sharing allowed
    assert _access(scopes.get_scopes_for(tokens[("carol", "app-churn")]))  # admin

    viewers.owner_only = True
    for name in ("bob", "carol"):  # a viewer, an admin
        for server in servers:
            assert not _access(scopes.get_scopes_for(tokens[(name, server)])), (name, server)
    assert ACCESS in scopes.get_scopes_for(tokens[("alice", "app-churn")])  # the owner
    assert _access(scopes.get_scopes_for(tokens[("alice", "app-other")]))
    assert _access(scopes.get_scopes_for(bob_lab))  # servers that are not apps are not this switch's
    # nor through bob's own API token (no browser, but "owner only" means it)
    db.add(orm.OAuthClient(identifier="jupyterhub", secret="s", redirect_uri="/hub/oauth_callback"))  # the hub's
    db.commit()
    api = orm.APIToken.find(db, orm.APIToken.new(user=bob, scopes=["inherit"]))
    assert not any("/app-" in s for s in scopes.get_scopes_for(api) if s.startswith("access:servers"))
    alice_api = orm.APIToken.find(db, orm.APIToken.new(user=alice, scopes=["inherit"]))
    assert {ACCESS, "access:servers!user=alice"} & scopes.get_scopes_for(alice_api)
    # the shares themselves stay: they work again once the site allows sharing
    assert orm.Share.find(db, servers["app-churn"], bob) is not None
    viewers.owner_only = False
    assert ACCESS in scopes.get_scopes_for(tokens[("bob", "app-churn")])
    assert ACCESS in scopes.get_scopes_for(api)


def test_the_site_configuration_sets_the_switch():
    setup.configure(Config(), validate({}))
    assert viewers.owner_only is True
    setup.configure(Config(), validate({"apps": {"share_on_hub_origin": True}}))
    assert viewers.owner_only is False
    viewers.owner_only = True
    setup.configure(Config(), validate({"hub": {"subdomain_host": "https://hub.example.org"}}))
    assert viewers.owner_only is False
