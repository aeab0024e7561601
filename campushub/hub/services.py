"""CampusHub's own hub services and the roles they hold, in one registry.

Both deployments turn this registry into `c.JupyterHub.services` and
`load_roles` through the neutral settings (settings.py); they differ only in
where a service's API token comes from: a token file in the data dir
(deploy/local) or an environment variable filled from a Kubernetes Secret
(deploy/kubernetes). CampusHub's own services are in services_builtin.py; a
later feature adds its service with `register()` there or through the entry
point group `campushub.services` (an object, or a list of them, of the types
below) and reaches both deployments with no new glue.

A service is announced to JupyterHub only when it can do something: it has a
token, or it is a hub-managed process (`command`), for which JupyterHub makes
the token itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points

ENTRY_POINT_GROUP = "campushub.services"


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class Service:
    name: str
    roles: tuple[str, ...]
    # The variable carrying its token where no file does (Kubernetes, automation).
    token_env: str | None = None
    # Further JupyterHub service fields (url, command, oauth_no_confirm, ...)
    # from the site configuration; None when the configuration turns it off.
    spec: Callable[[dict], dict | None] = field(default=lambda config: {})
    # Scopes every user holds (the default `user` role) and their servers'
    # tokens carry while the service runs: what it takes to log in to it
    # and to call it from a notebook server.
    user_scopes: tuple[str, ...] = ()
    # The user servers' environment variable that holds the service's
    # address (its url and prefix), for code in the server that calls it.
    server_env: str | None = None
    # Further variables for that code, from the site configuration.
    server_settings: Callable[[dict], dict[str, str]] = field(default=lambda config: {})


ROLES: dict[str, Role] = {}
SERVICES: dict[str, Service] = {}


def register(*items: Role | Service) -> None:
    for item in items:
        (ROLES if isinstance(item, Role) else SERVICES)[item.name] = item


def unregister(*names: str) -> None:
    for name in names:
        SERVICES.pop(name, None)
        ROLES.pop(name, None)


register(
    Role("campushub-operator", "The CLI and automation: manage users, groups and servers", (
        "admin:users", "admin:servers", "admin:groups", "access:servers",
        "read:hub", "read:metrics", "tokens", "proxy", "shutdown",
        # `campushub assignment create` calls the assignments service with this role's token
        "access:services!service=assignments",
        # its pages and CSV for operators' scripts (the service shows hub admins everything)
        "access:services!service=analytics",
        # `campushub jobs --url/--token`: every person's jobs, cancel (the service shows admins everything)
        "access:services!service=jobs",
    )),
    # `campushub` commands on the hub's machine; on Kubernetes, an operator's
    # token from a Secret, if the release provides one.
    Service("campushub-cli", ("campushub-operator",), token_env="CAMPUSHUB_CLI_TOKEN"),
    Service("campushub-automation", ("campushub-operator",), token_env="CAMPUSHUB_API_TOKEN"),
)


def projects_enabled(config: dict) -> bool:
    return bool((config.get("projects") or {}).get("enabled"))


def _plugins() -> None:
    # Loaded at each use (not at import): a plugin's module may itself import this one.
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        loaded = ep.load()
        register(*(loaded if isinstance(loaded, (list, tuple)) else [loaded]))


def token_envs() -> list[tuple[str, str]]:
    """(service, environment variable) of every service that takes its token from the environment."""
    _plugins()
    return [(s.name, s.token_env) for s in SERVICES.values() if s.token_env]


def tokens_from_env(environ: Mapping[str, str]) -> dict[str, str]:
    _plugins()
    return {s.name: environ[s.token_env] for s in SERVICES.values() if s.token_env and environ.get(s.token_env)}


def hub_services(config: dict, tokens: Mapping[str, str],
                 urls: Mapping[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """(services, roles) for JupyterHub: the services that can run, and the roles they hold.
    urls: where the deployment runs each service it runs itself (the proxy routes to it)."""
    _plugins()
    services = []
    for service in SERVICES.values():
        spec = service.spec(config)
        if spec is None:
            continue
        entry = {"name": service.name, **spec}
        if urls and service.name in urls:
            entry["url"] = urls[service.name]
        if service.name in tokens:
            entry["api_token"] = tokens[service.name]
        if "api_token" in entry or "command" in entry:
            services.append(entry)
    return services, _roles(services)


def user_scopes(services: Iterable[dict]) -> list[str]:
    """The scopes every user (and their servers' tokens) needs for these announced services."""
    return [scope for entry in services for scope in SERVICES[entry["name"]].user_scopes]


def server_environment(services: Iterable[dict], config: dict) -> dict[str, str]:
    """Variables telling user servers where these announced services answer
    (straight at their url, not through the public proxy), and their settings."""
    out = {}
    for entry in services:
        service = SERVICES[entry["name"]]
        if service.server_env and entry.get("url"):
            out[service.server_env] = f"{entry['url'].rstrip('/')}{config['hub']['base_url']}services/{entry['name']}/"
            out.update(service.server_settings(config))
    return out


def _roles(services: Iterable[dict]) -> list[dict]:
    holders: dict[str, list[str]] = {}
    for entry in services:
        for role in SERVICES[entry["name"]].roles:
            holders.setdefault(role, []).append(entry["name"])
    return [
        {"name": name, "description": ROLES[name].description, "scopes": list(ROLES[name].scopes),
         "services": members}
        for name, members in holders.items()
    ]


# CampusHub's own services register themselves there (last: they use the names above)
from . import services_builtin  # noqa: E402, F401
