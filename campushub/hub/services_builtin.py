"""CampusHub's own hub services and the roles they hold, registered in the
registry of services.py: what each may do in the hub (its role's scopes),
what every user may do with it, and when the site configuration turns it on.
"""

from __future__ import annotations

from ..config.analytics import enabled as analytics_enabled
from ..config.assignments import enabled as assignments_enabled
from ..config.help import enabled as help_enabled
from ..config.jobs import enabled as jobs_enabled
from ..config.remote_kernels import enabled as remote_kernels_enabled
from .culling import command as culler
from .services import Role, Service, projects_enabled, register


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
