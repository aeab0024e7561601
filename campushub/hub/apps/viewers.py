"""Who may open an app on a hub where apps may not be shared
(config/apps.sharing_allowed): its owner only, admins and existing shares
included. Without hub.subdomain_host an app's page is on the hub's own
origin, so its JavaScript runs in the viewer's browser with the viewer's hub
login: it can make itself an API token of the viewer (an admin's too).

The app's proxy asks the hub about every request (no cache: app_proxy.py)
and lets in whoever's token holds access to the server; here the tokens
JupyterHub issued for an app server to anyone but its owner lose their
access:servers scopes, so the proxy refuses them at their next request, with
no change to shares kept in the database (they work again once the site
sets hub.subdomain_host). Applied in the one wrapper of JupyterHub's
scopes.get_scopes_for (group_shares.py), at every request."""

from __future__ import annotations

from ...apps import model

SHARED = "access:servers!server="
owner_only = False  # set by setup.configure from the site configuration


def restrict(token, found):
    """found: the scopes JupyterHub computed for `token` (an orm.APIToken)."""
    if not owner_only:
        return found
    client = token.oauth_client
    spawner = client.spawner if client is not None and client.identifier != "jupyterhub" else None
    if spawner is not None and model.is_app(spawner.name) and spawner.user_id != token.user_id:
        # issued for someone else's app: what a browser opening it holds (an admin's too)
        return type(found)(s for s in found if not s.startswith("access:servers"))
    # any other token: not through a share of someone else's app either (API tokens, other servers')
    own = f"{SHARED}{token.user.name}/" if token.user is not None else None
    return type(found)(s for s in found if not (s.startswith(SHARED) and not s.startswith(own or SHARED)
                                                 and model.is_app(s.split("/", 1)[-1])))
