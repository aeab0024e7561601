"""Hooks the apps page into a hub's configuration (hub/settings.py, both
deployments) when the site runs apps (`apps.enabled`).

The page runs in the hub process as JupyterHub extra_handlers, like
hub/people: starting a named server and granting a share need the hub's
spawners and ORM session, exactly as its REST API uses them, and a page
there gets the hub's login, templates and XSRF check for free.

People get no `shares` scope: with JupyterHub's shares!user anyone could
share any server of theirs through the REST API, their JupyterLab too,
handing someone else a terminal as themselves with their files, project
folders and API token. What people share here are apps, on this page, which
grants the share itself (sharing.py).
"""

from __future__ import annotations

from ...config import apps as apps_config
from .. import merge


def configure(c, config: dict) -> None:
    if not apps_config.enabled(config):
        return
    from . import group_shares, viewers
    from .page import SETTINGS_KEY, AppsPageHandler  # the hub's own process only: JupyterHub's handlers

    group_shares.install()  # sharing with a project is sharing with its group
    # on the hub's own origin an app's page acts as its viewer: its owner only (viewers.py)
    viewers.owner_only = not apps_config.sharing_allowed(config)

    merge.extend(c.JupyterHub, "extra_handlers", [(r"/campushub/apps", AppsPageHandler)])
    merge.update_dict(c.JupyterHub, "tornado_settings", {SETTINGS_KEY: config})
    merge.update_dict(c.JupyterHub, "template_vars", {"campushub_apps": True})  # the nav bar's link
