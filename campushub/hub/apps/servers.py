"""A person's apps as JupyterHub sees them (named servers app-*), started,
stopped and deleted in the hub's process the way its REST API does it
(apihandlers/users.py UserServerAPIHandler; JupyterHub 5.5 and 6 differ only
in how a new server's Spawner is made)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from jupyterhub.utils import maybe_future

from ...apps import model
from ...apps.model import APP_PREFIX
from ...i18n import N_
from .forms import Problem, StartRequest
from .sharing import ShareRow, shares_of

BUSY = N_("The app \"{name}\" is starting or stopping: wait a moment, then try again.")
RUNNING = N_("The app \"{name}\" is running already: stop it first to start it with other settings.")
TOO_MANY = N_("You have {count} servers and apps, the most this hub keeps for you: delete an app first.")
NO_APP = N_("You have no app \"{name}\".")
NAMED_OFF = N_("This hub does not run apps (named servers are off): ask an administrator.")


@dataclass(frozen=True)
class App:
    server: str
    name: str
    title: str
    kind: str
    path: str
    status: str  # running, starting, stopping, stopped
    url: str
    last_activity: str
    shares: list[ShareRow]


def _status(spawner) -> str:
    if spawner.pending == "spawn":
        return "starting"
    if spawner.pending:
        return "stopping"
    return "running" if spawner.ready else "stopped"


def apps_of(user) -> list[App]:
    out = []
    for server, orm_spawner in sorted(user.orm_spawners.items()):
        if not server.startswith(APP_PREFIX):
            continue
        app = (orm_spawner.user_options or {}).get(model.OPTION) or {}
        spawner = user.spawners[server]
        last = orm_spawner.last_activity
        out.append(App(server, server[len(APP_PREFIX):], str(app.get("title") or server), str(app.get("kind", "")),
                       str(app.get("path", "")), _status(spawner), user.server_url(server),
                       last.strftime("%Y-%m-%d %H:%M") if last else "", shares_of(orm_spawner)))
    return out


def find(user, server: str):
    if server not in user.orm_spawners:
        raise Problem(NO_APP, {"name": server[len(APP_PREFIX):]})
    return user.spawners[server]


async def start(handler, user, request: StartRequest) -> None:
    """How many apps run at once is the spawner's to refuse (hub/policy/app_start.py);
    how many named servers a person keeps, stopped ones too, JupyterHub's limit."""
    if not handler.allow_named_servers:
        raise Problem(NAMED_OFF)
    name = request.server[len(APP_PREFIX):]
    if request.server not in user.orm_spawners:
        limit = await handler.get_current_user_named_server_limit()
        named = [s for s in user.orm_spawners if s]
        if limit and len(named) >= limit:
            raise Problem(TOO_MANY, {"count": len(named)})
    spawner = _spawner(user, request.server)
    if spawner.pending:
        raise Problem(BUSY, {"name": name})
    if spawner.ready and await spawner.poll_and_notify() is None:
        raise Problem(RUNNING, {"name": name})
    # returns once started, or after the hub's slow_spawn_timeout with the start going on
    await handler.spawn_single_user(user, request.server, options=request.options)


async def start_again(handler, user, server: str, config: dict) -> None:
    """A stopped app (by its owner or the culler) with the options it last ran with, checked again."""
    spawner = find(user, server)
    stored = (spawner.orm_spawner.user_options or {}).get(model.OPTION)
    spec = model.check(stored, config)  # AppError if the site no longer runs this kind
    await start(handler, user, StartRequest(server, {model.OPTION: spec.as_options()}))


def _spawner(user, server: str):
    """The app's Spawner, made when new: JupyterHub 6 makes it with a display name
    (get_or_create_spawner), 5.5's get_spawner makes it when missing."""
    if hasattr(user, "get_or_create_spawner"):
        return user.get_or_create_spawner(server, server, replace_failed=True)
    return user.get_spawner(server, replace_failed=True)


async def stop(handler, user, server: str) -> None:
    spawner = find(user, server)
    name = server[len(APP_PREFIX):]
    if spawner.pending:
        raise Problem(BUSY, {"name": name})
    if spawner.ready:
        await handler.stop_single_user(user, spawner.name)


async def delete(handler, user, server: str) -> None:
    """Stops the app, then forgets it and its shares (the database cascades them)."""
    await stop(handler, user, server)
    spawner = find(user, server)

    async def remove(stopping=None):
        if stopping is not None:
            await stopping  # a failed stop raises here: the records stay, as with the REST API
        await maybe_future(user._delete_spawner(spawner))
        handler.db.delete(spawner.orm_spawner)
        user.spawners.pop(spawner.name, None)
        handler.db.commit()

    if spawner.pending == "stop":
        asyncio.ensure_future(remove(spawner._stop_future))  # as the REST API does: after the stop completes
    else:
        await remove()
