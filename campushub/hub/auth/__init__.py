"""Identity: who people are, from the site configuration's `auth` section.

`configure_identity` is the one way the site's identity settings become
JupyterHub configuration: `campushub up` calls it (hub/settings.py), and so
does a Zero to JupyterHub hub's extraConfig (docs/identity.md), so every
`auth` key reaches both deployments the same way.
"""

from __future__ import annotations

import importlib

MODULES = {"site_token": "site_token", "oidc": "oauth", "google": "oauth", "ldap": "ldap"}


def configure_identity(c, config: dict) -> None:
    """An external identity provider's settings (not `native`, which needs the data dir)."""
    # here, not at the top: logscrub brings jupyterhub.log and with it JupyterHub's handlers
    # and ORM, 1.5 s of CPU that every CLI command paid (cli/up.py imports this package)
    from .. import logscrub

    auth = config["auth"]
    # Tokens under a site-chosen parameter name must stay out of the logs too.
    logscrub.install([auth["site_token"]["query_parameter"]] if auth["type"] == "site_token" else [])
    if auth["type"] == "native":
        return
    importlib.import_module(f"{__name__}.{MODULES[auth['type']]}").configure(c, config)
    # The identity layer (identity.py) gives members of these groups the admin flag.
    cls = c.JupyterHub.authenticator_class.rsplit(".", 1)[-1]
    getattr(c, cls).admin_groups = set(config["roles"]["admin_groups"])
