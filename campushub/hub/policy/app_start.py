"""Which servers a start may run, now that apps are named servers too.

JupyterHub's named_server_limit_per_user counts every named server a person
has, apps included, so settings.py raises it by apps.max_per_person; the two
budgets are kept apart here, at each start: a person runs at most their
policy's named servers (max_servers - 1) that are not apps, and at most
max_per_person apps, at once. A server is an app exactly when its name starts
with app- (model.APP_PREFIX), so the hub's and the apps page's view of a
server never disagree with what it runs.
"""

from __future__ import annotations

from ...apps import model
from ...config import apps as apps_config
from ...i18n import N_
from .choose import PolicyError, named_server_limit
from .types import Policy

ONE_SERVER = N_("You may run only one server at a time. Stop it first, or ask an administrator for more.")
SERVERS = N_("You may run at most {max} servers at once besides your apps. Stop one first.")
START_FROM_PAGE = N_("This server is an app: start it from the apps page.")


def app_to_start(spawner, requested: dict, policy: Policy) -> model.AppSpec | None:
    """The app this start runs (None: an ordinary server), taking its options
    out of requested; PolicyError or model.AppError when it may not start."""
    options = requested.pop(model.OPTION, None)
    name = spawner.name or ""
    if not model.is_app(name):
        if options is not None:
            raise model.AppError(model.NOT_APP_NAME)
        if name:
            _check_named(spawner, policy)
        return None
    model.check_server_name(name)
    if options is None:
        # a restart without options (the hub's home page): the app it last ran
        if spawner.app_spec is None:
            raise model.AppError(START_FROM_PAGE)
        options = spawner.app_spec.as_options()
    spec = model.check(options, spawner.site_config)
    most = apps_config.max_per_person(spawner.site_config)
    if _running(spawner, apps=True) >= most:
        raise model.AppError(model.TOO_MANY, max=most)
    return spec


def _check_named(spawner, policy: Policy) -> None:
    most = named_server_limit(policy)
    if most == 0:
        raise PolicyError(ONE_SERVER)
    if _running(spawner, apps=False) >= most:
        raise PolicyError(SERVERS, max=most)


def _running(spawner, *, apps: bool) -> int:
    """The person's other named servers of this sort that run or start now."""
    user = spawner.user
    count = 0
    for name, orm_spawner in user.orm_spawners.items():
        if not name or name == spawner.name or model.is_app(name) != apps:
            continue
        loaded = dict.get(user.spawners, name)  # never create a Spawner just to ask
        if loaded.active if loaded is not None else orm_spawner.server is not None:
            count += 1
    return count
