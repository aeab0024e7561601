"""Identity: who people are, from the site configuration's `auth` section.

`configure_identity` is the one way the site's identity settings become
JupyterHub configuration: both deployments' hub configuration call it
(through hub/settings.py), and so can a hand-written Zero to JupyterHub
extraConfig (docs/identity.md), so every `auth` key reaches both
deployments the same way. Each auth type is one module found through the
registry (registry.py).
"""

from __future__ import annotations

from .registry import NEUTRAL, Deployment, auth_type, register, unregister

__all__ = ["Deployment", "auth_type", "configure_identity", "register", "unregister"]


def configure_identity(c, config: dict, deployment: Deployment = NEUTRAL) -> None:
    """The authenticator of `auth.type` and its settings; `deployment` carries
    what only the deployment knows (native's first-admin file)."""
    # here, not at the top: logscrub brings jupyterhub.log and with it JupyterHub's handlers
    # and ORM, 1.5 s of CPU that every CLI command paid (cli/up.py imports this package)
    from .. import logscrub, merge
    from .registry import get

    logscrub.install()  # a type with its own secret query parameter adds it (site_token)
    entry = get(config["auth"]["type"])
    # Pages show the sign-up and password links only for password accounts.
    merge.update_dict(c.JupyterHub, "template_vars", {"native_accounts": False})
    entry.configure(c, config, deployment)
    if entry.admin_groups_trait:
        # The identity layer (identity.py) gives members of these groups the admin flag.
        cls = c.JupyterHub.authenticator_class.rsplit(".", 1)[-1]
        getattr(c, cls).admin_groups = set(config["roles"]["admin_groups"])

