"""What every external identity provider (site token, LDAP, OIDC, Google) does
the same way, whatever library checks the person:

- names: one spelling per person. JupyterHub lower-cases names, so site users
  "Hanako" and "hanako" would share one hub user, unix account and home; a
  name that normalising would change is refused instead (LDAP and Google,
  where both spellings are one account anyway, lower-case before this check
  or skip it).
- groups: the provider owns the groups it reports, the hub owns the others.
  JupyterHub's manage_groups replaces all of a person's groups at each login;
  here a group the provider has ever reported is marked as synced, and the
  person's other (hub-owned) groups are kept.
- admins: members of roles.admin_groups get the hub's admin flag, so the REST
  API and `campushub status` say what the admin role already grants.
"""

from __future__ import annotations

from contextvars import ContextVar

from jupyterhub import orm
from jupyterhub.auth import Authenticator
from tornado import web
from traitlets import Set

from ...i18n import N_, negotiate, translate
from ...i18n.jinja import fixed_language

# The request a login is serving, for messages raised deep in a library's
# flow (where no handler is passed) in the person's language. A ContextVar:
# one authenticator serves concurrent logins, each in its own asyncio task.
_handler: ContextVar[object] = ContextVar("campushub_login_handler", default=None)

SYNCED = "campushub_synced"  # group property: the identity provider owns this group

NAME_CHANGES = N_(
    "Your account name \"{name}\" contains capital letters or spaces, which this hub cannot tell apart "
    "from \"{normalised}\". Please ask the administrator of your sign-in system to give you a lower-case name."
)


def request_language(handler=None) -> str:
    request = getattr(handler or _handler.get(), "request", None)
    header = request.headers.get("Accept-Language") if request is not None else None
    return negotiate(header, fixed_language())


def refuse(handler, status: int, message: str, **kwargs) -> web.HTTPError:
    """An HTTPError JupyterHub shows on its error page, in the person's language."""
    return web.HTTPError(status, translate(request_language(handler), message, **kwargs))


def is_synced(group) -> bool:
    return bool((group.properties or {}).get(SYNCED))


def mark_synced(db, names) -> None:
    for name in names:
        group = orm.Group.find(db, name)
        if group is None:
            group = orm.Group(name=name, properties={SYNCED: True})
            db.add(group)
        elif not is_synced(group):
            group.properties = {**(group.properties or {}), SYNCED: True}
    db.commit()


def settle(authenticator, handler, model: dict, user=None, admin_groups=None) -> dict:
    """Merge hub-owned groups into a provider's model and set the admin flag from groups."""
    admin_groups = set(admin_groups if admin_groups is not None else getattr(authenticator, "admin_groups", ()))
    name = model["name"]
    db = getattr(handler, "db", None)
    if user is None and handler is not None:
        user = handler.find_user(name)
    current = list(user.groups) if user is not None else []
    reported = model.get("groups")
    if authenticator.manage_groups and reported is not None:
        if db is not None:
            mark_synced(db, reported)
        kept = {g.name for g in current if not is_synced(g)}
        groups = set(reported) | kept
        model = {**model, "groups": sorted(groups)}
        # The provider now decides who is in the admin groups: someone it
        # moved out of them loses the flag (unless named in admin_users).
        by_groups_only = True
    else:
        groups = {g.name for g in current}
        by_groups_only = False
    if admin_groups:
        if groups & admin_groups:
            model = {**model, "admin": True}
        elif by_groups_only and not model.get("admin") and name not in authenticator.admin_users:
            model = {**model, "admin": False}
    return model


class IdentityMixin(Authenticator):
    """Put first in the bases of an Authenticator subclass (an Authenticator
    itself only so that its trait is a real, configurable trait)."""

    admin_groups = Set(
        help="Members of these hub groups are admins (roles.admin_groups); their admin flag follows the groups.",
    ).tag(config=True)

    async def authenticate(self, handler, data):
        return self.one_spelling(handler, await super().authenticate(handler, data))

    def one_spelling(self, handler, model):
        """The model, unless its name changes when normalised (then a 403).
        Subclasses that define authenticate() without super() call this."""
        name = model if isinstance(model, str) else (model or {}).get("name")
        if isinstance(name, str) and self.normalize_username(name) != name:
            self.log.warning("Login of %r refused: its name changes when normalised", name)
            raise refuse(handler, 403, NAME_CHANGES, name=name, normalised=self.normalize_username(name))
        return model

    async def get_authenticated_user(self, handler, data):
        token = _handler.set(handler)
        try:
            model = await super().get_authenticated_user(handler, data)
        finally:
            _handler.reset(token)
        return settle(self, handler, model) if model else model

    async def refresh_user(self, user, handler=None):
        result = await super().refresh_user(user, handler)
        return settle(self, handler, result, user) if isinstance(result, dict) else result


def admin_hook(admin_groups):
    """A post_auth_hook for authenticators whose groups the hub keeps (native)."""
    def hook(authenticator, handler, authentication):
        if not authentication:
            return authentication
        return settle(authenticator, handler, authentication, admin_groups=set(admin_groups))
    return hook
