"""Declared projects reach the hub at each start, whoever manages groups.

JupyterHub's own `load_groups` refuses to run when the authenticator manages
groups (OIDC, LDAP, the site token), and a hub-managed service would race
the first logins and starts (and is restarted by the hub when it exits). So
the hub does it itself, in its start-up: DeclaredProjects.install() asks the
JupyterHub application to call sync() when it sets its `handlers` trait
(init_handlers), which both 5.5 and 6 do once per start after init_groups
and the role assignments, and before the spawners are checked or any request
is served. sync() then works like load_groups, on the hub's own database
session and authenticator:

- each declared project's group is created when missing and its project
  property set from the file (title, owners; other keys kept): the file wins;
- its members (owners included) are added, creating hub users as load_groups
  does (default roles, Authenticator.add_user); members added elsewhere (the
  projects page, the REST API, the site's group sync) are kept;
- a project that left the file stays in the hub until an admin deletes it.

Project groups are hub-owned: at a login through a group-managing provider
hub/auth/identity.py keeps them (unless the provider itself reports a group
of the same name, which it then owns).

In a plain jupyterhub_config.py (or a Zero to JupyterHub hub.extraConfig):

    from campushub.projects.declared import DeclaredProjects
    c.DeclaredProjects.projects = {"churn-model": {"title": "Churn model",
                                   "owners": ["alice"], "members": ["bob"]}}
    DeclaredProjects.install()
"""

from __future__ import annotations

import asyncio
import inspect
import sys

from traitlets import Dict
from traitlets.config import LoggingConfigurable

from . import model


class DeclaredProjects(LoggingConfigurable):
    projects = Dict(
        help="""Projects kept as declared at each hub start, by name:
        {"title": str, "owners": [user names], "members": [user names]}
        (campushub.yaml: projects.declared).""",
    ).tag(config=True)

    @classmethod
    def install(cls) -> bool:
        """Run sync() in the start-up of the JupyterHub being configured; False
        (nothing done) outside a hub process, e.g. when a CLI renders its settings."""
        app_module = sys.modules.get("jupyterhub.app")  # a hub process has it loaded; nothing else need pay for it
        if app_module is None or not app_module.JupyterHub.initialized():
            return False
        JupyterHub = app_module.JupyterHub
        # a module-level function: traitlets keeps one copy when config is loaded twice
        JupyterHub.instance().observe(_on_handlers, names="handlers")
        return True

    def sync(self, app) -> list[str]:
        """Create or update each declared project in the hub's database; the names done."""
        done = []
        for name, spec in sorted(self.projects.items()):
            try:
                _sync_one(app, name, spec or {}, self.log)
            except ValueError as e:  # a plain jupyterhub_config.py is not checked like campushub.yaml
                app.db.rollback()
                self.log.error("Declared project %r left as it was: %s", name, e)
                continue
            done.append(name)
        if done:
            self.log.info("Declared projects in place: %s", ", ".join(done))
        return done


def _on_handlers(change) -> None:
    app = change["owner"]
    DeclaredProjects(parent=app).sync(app)


def _names(spec: dict, key: str) -> list[str]:
    value = spec.get(key) or []
    if isinstance(value, str) or not isinstance(value, (list, tuple, set)):
        raise ValueError(f"{key} must be a list of user names, got {value!r}")
    for name in value:
        model.check_user_name(name)
    return list(value)


def _sync_one(app, name: str, spec: dict, log) -> None:
    from jupyterhub import orm, roles

    model.check_name(name)
    owners, members = _names(spec, "owners"), _names(spec, "members")
    title = spec.get("title") or ""
    if not isinstance(title, str):
        raise ValueError(f"title must be text, got {title!r}")
    db, authenticator = app.db, app.authenticator
    owners = sorted({authenticator.normalize_username(u) for u in owners})
    people = sorted({*owners, *(authenticator.normalize_username(u) for u in members)})
    missing = [u for u in people if orm.User.find(db, u) is None]
    refused = [u for u in missing if not authenticator.validate_username(u)]
    if refused:  # checked before any change: a project is done whole or not at all
        raise ValueError(f"the authenticator refuses the user name {refused[0]!r}")
    group = orm.Group.find(db, name)
    if group is None:
        log.info("Creating declared project %s", name)
        group = orm.Group(name=name)
        db.add(group)
    properties = model.properties_for(owners, title, group.properties)
    if group.properties != properties:  # no write when nothing changed
        group.properties = properties
    created = []
    for username in people:
        user = orm.User.find(db, username)
        if user is None:
            log.info("Creating user %s found in declared project %s", username, name)
            user = orm.User(name=username)
            db.add(user)
            roles.assign_default_roles(db, entity=user)
            created.append(user)
        if group not in user.groups:
            group.users.append(user)
    db.commit()
    for user in created:  # as load_groups does, once the user is in the database
        _added(authenticator.add_user(user), log)


def _added(result, log) -> None:
    """Authenticator.add_user may be a coroutine (LocalAuthenticator's): the
    start-up step is synchronous, so it runs as a task, its failure logged."""
    if not inspect.isawaitable(result):
        return
    task = asyncio.ensure_future(result)
    task.add_done_callback(lambda t: t.cancelled() or t.exception() is None
                           or log.error("add_user of a declared member failed: %s", t.exception()))
