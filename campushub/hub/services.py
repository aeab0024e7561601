"""CampusHub's own hub services and the roles they hold, in one registry.

Both deployments turn this registry into `c.JupyterHub.services` and
`load_roles` through the neutral settings (settings.py); they differ only in
where a service's API token comes from: a token file in the data dir
(deploy/local) or an environment variable filled from a Kubernetes Secret
(deploy/kubernetes). A later feature adds its service with `register()` here
or through the entry point group `campushub.services` (an object, or a list
of them, of the types below) and reaches both deployments with no new glue.

A service is announced to JupyterHub only when it can do something: it has a
token, or it is a hub-managed process (`command`), for which JupyterHub makes
the token itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from ..config.analytics import enabled as analytics_enabled
from ..config.assignments import enabled as assignments_enabled
from ..config.help import enabled as help_enabled
from ..config.jobs import enabled as jobs_enabled
from ..config.remote_kernels import enabled as remote_kernels_enabled
from .culling import command as culler

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


def _assignments(config: dict) -> dict | None:
    if not assignments_enabled(config):
        return None
    return {
        # Learners and tutors arrive from the hub already logged in; a
        # confirmation page naming scopes would only puzzle them.
        "oauth_no_confirm": True,
        "display": True,  # in the hub's Services menu
        "info": {"description": "Assignments: release, submit, autograde, grade and return feedback"},
    }


register(
    # People come from the site's courses and the hub's groups (no second
    # list): names and groups, nothing about servers or tokens.
    Role("campushub-assignments", "The assignments service: who is in which course's groups",
         ("list:users", "read:users:groups", "read:groups")),
    # Its token: locally a file in the data dir that `up` gives both the hub
    # and the service; on Kubernetes the one the chart makes for its
    # hub.services entry (deploy/*/hub_config.py). No variable: a second
    # source could hand the hub a token the service does not hold.
    Service("assignments", ("campushub-assignments",),
            spec=_assignments, user_scopes=("access:services!service=assignments",),
            server_env="CAMPUSHUB_ASSIGNMENTS_URL"),
)


def _analytics(config: dict) -> dict | None:
    if not analytics_enabled(config):
        return None
    return {
        "oauth_no_confirm": True,
        "display": True,
        "info": {"description": "Learning analytics: cell executions per notebook, learners' progress, "
                                "platform activity"},
    }


register(
    # It polls the hub for who was active, which servers run or wait and how
    # long spawns took (the hub's /hub/metrics); it learns no tokens and
    # changes nothing.
    Role("campushub-analytics", "The analytics service: users' activity and groups, servers, the hub's metrics",
         ("list:users", "read:users:groups", "read:groups", "read:users:activity", "read:servers",
          "read:metrics")),
    # Every user's server sends its records of cell executions with its own
    # token (user_scopes), to the address in CAMPUSHUB_ANALYTICS_URL.
    Service("analytics", ("campushub-analytics",),
            spec=_analytics, user_scopes=("access:services!service=analytics",),
            server_env="CAMPUSHUB_ANALYTICS_URL",
            # how often the extension sends what it recorded (singleuser/analytics)
            server_settings=lambda config: {"CAMPUSHUB_ANALYTICS_FLUSH_S": str(config["analytics"]["flush_interval"])}),
)


def projects_enabled(config: dict) -> bool:
    return bool((config.get("projects") or {}).get("enabled"))


def _projects(config: dict) -> dict | None:
    if not projects_enabled(config):
        return None
    return {
        "oauth_no_confirm": True,
        "display": True,
        "info": {"description": "Projects: your projects, their members, data and shared apps"},
    }


register(
    # The projects page (campushub/projects/web): it reads groups and marks
    # project groups (properties), creates and deletes them and changes their
    # members (admin:groups; the page lets only owners and admins do it); it
    # reads people's names, admin flags and groups (to know who may see what)
    # and activity (a project's last activity on Kubernetes), and the servers
    # shared with a project's group. No servers, tokens or users changed.
    Role("campushub-projects", "The projects page: project groups and their members, shares with them",
         ("admin:groups", "read:users:name", "read:users:groups", "read:users:activity", "read:groups:shares")),
    Service("projects", ("campushub-projects",), spec=_projects,
            user_scopes=("access:services!service=projects",)),
)


register(
    # The remote-kernels front (campushub/remote_kernels): the only client of Enterprise Gateway. It reads a
    # person's groups (the profiles their policy allows) and which groups are projects (the project data a
    # kernel may reach); it learns no tokens and changes nothing in the hub. Every user's server calls it with
    # its own token (user_scopes) at CAMPUSHUB_GATEWAY_URL; no page, so not in the Services menu.
    Role("campushub-remote-kernels", "The remote-kernels front: people's groups and which groups are projects",
         ("read:users:name", "read:users:groups", "read:groups")),
    Service("remote-kernels", ("campushub-remote-kernels",),
            spec=lambda config: {} if remote_kernels_enabled(config) else None,
            user_scopes=("access:services!service=remote-kernels",), server_env="CAMPUSHUB_GATEWAY_URL"),
)


def _jobs(config: dict) -> dict | None:
    if not jobs_enabled(config):
        return None
    return {
        "oauth_no_confirm": True,
        "display": True,
        "info": {"description": "Jobs: notebooks run with parameters and sweeps, their results"},
    }


register(
    # The jobs service (campushub/jobs): it reads a person's groups (their
    # policy and the profiles it allows) and admin flag; it starts jobs as
    # the person through its deployment's backend, not through the hub. No
    # servers, tokens or groups changed. People's servers and `campushub run`
    # in their terminal call it with their own token at CAMPUSHUB_JOBS_URL.
    # Groups' properties tell which are projects: on Kubernetes a job mounts those claims.
    Role("campushub-jobs", "The jobs service: people's names, admin flags and groups, which groups are projects",
         ("read:users:name", "read:users:groups", "read:groups")),
    Service("jobs", ("campushub-jobs",), spec=_jobs, user_scopes=("access:services!service=jobs",),
            server_env="CAMPUSHUB_JOBS_URL"),
)


def _help(config: dict) -> dict | None:
    if not help_enabled(config):
        return None
    return {
        "oauth_no_confirm": True,
        "display": True,
        "info": {"description": "Help: guides for learners, tutors and operators, and the organisation's pages"},
    }


register(
    # The help portal (campushub/help): static pages for people signed in to the hub. HubOAuth needs
    # no scopes of its own (it trades a person's code with its token and asks who they are with the
    # person's token), so it holds no role; every user may log in to it (user_scopes).
    Service("help", (), spec=_help, user_scopes=("access:services!service=help",)),
)


register(
    # Prometheus: reads the hub's /hub/metrics and our services' {prefix}metrics
    # and nothing else (docs/monitoring.md). Announced only when `up` or the
    # Kubernetes hub finds its token in CAMPUSHUB_METRICS_TOKEN.
    Role("campushub-metrics", "Prometheus: read the hub's and CampusHub's metrics", ("read:metrics",)),
    Service("campushub-metrics", ("campushub-metrics",), token_env="CAMPUSHUB_METRICS_TOKEN"),
)


register(
    # It lists who has a ready server, when each was last used and started,
    # and for its per-group limits the owner's groups and admin flag (read:users);
    # it stops servers and can do nothing else: no users deleted, no tokens.
    Role("campushub-idle-culler", "The idle culler: stop servers idle past the site's culling limits",
         ("list:users", "read:users", "read:users:activity", "read:users:groups", "read:servers",
          "delete:servers")),
    # Run by the hub itself (command), in both deployments (hub/culling).
    Service(culler.SERVICE, ("campushub-idle-culler",), spec=culler.spec),
)


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
