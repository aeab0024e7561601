"""Hooks the import into a hub's configuration (hub/settings.py, both deployments).

The handlers run in the hub process as JupyterHub extra_handlers: they need
its ORM session, authenticator and user cache to create users and groups
exactly as its REST API does, and to keep display names in its database. A
hub service could only call the REST API, which has no display names.
JupyterHub 3.1+ logs extra_handlers as deprecated in favour of services; it
still serves them in 5.5 and 6.
"""

from __future__ import annotations

from .. import merge


def configure(c) -> None:
    from . import handlers, model, page  # the hub's own process only: they import JupyterHub's ORM

    merge.extend(c.JupyterHub, "extra_handlers", [
        (r"/api/campushub/users/import", handlers.ImportAPIHandler),
        (r"/api/campushub/users/export", handlers.ExportAPIHandler),
        (r"/campushub/users", page.ImportPageHandler),
        (r"/campushub/users/export", page.ExportPageHandler),
    ])
    # the page header shows a person's display name beside their user name
    merge.update_dict(c.JupyterHub, "template_vars", {"campushub_display_name": model.of})
