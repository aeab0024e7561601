"""Site configuration -> JupyterHub traitlets configuration, the part both
deployments share: identity, roles, services, policies, embedding, pages.

Each deployment's hub_config (deploy/local, deploy/kubernetes) calls apply()
and adds its own spawner, proxy and database; what only a deployment knows
(admins named in the data dir, the first-admin file, service tokens) comes
in as arguments. Only traits that JupyterHub and our Configurables declare
are set, and lists and dicts are added to (merge.py), so a chart's settings
and an admin's extra jupyterhub_config.py keep working.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources

from ..config import apps as apps_config
from ..help import links
from . import logscrub, merge, services
from .apps import setup as apps_page
from .auth import Deployment, configure_identity
from .cookies import allow_partitioned
from .culling import activity as culling_activity
from .help_texts import links as help_links
from .people import setup as people
from .policy.spawner import named_server_limit_for
from .roles import load_roles

TEMPLATES = str(resources.files("campushub.hub").joinpath("templates"))
I18N_EXTENSION = "campushub.i18n.jinja.I18nExtension"


def apply(c, config: dict, *, spawner_section: str, admin_users: Iterable[str] = (),
          bootstrap_admin_file: str = "", service_tokens: Mapping[str, str] | None = None,
          service_urls: Mapping[str, str] | None = None) -> None:
    """spawner_section: the config section of the deployment's spawner class
    (e.g. "SystemUserSpawner"), which gets the site configuration;
    service_urls: where the deployment runs the services it runs itself."""
    logscrub.install()
    _hub(c, config["hub"])
    c.Authenticator.admin_users = set(config["hub"]["admin_users"]) | set(admin_users)
    configure_identity(c, config, Deployment(bootstrap_admin_file=bootstrap_admin_file))
    _services(c, config, service_tokens or {}, service_urls or {}, spawner_section)
    _policies(c, config, spawner_section)
    _starts(c, config["spawner"], spawner_section)
    _embedding(c, config, spawner_section)
    _ui(c, config["ui"])
    people.configure(c)  # bulk users and groups: API, admin page, display names
    apps_page.configure(c, config)  # the apps page and the right to share (apps.enabled)
    culling_activity.apply(c, config, spawner_section)
    _projects(c, config)


def _hub(c, hub: dict) -> None:
    c.JupyterHub.base_url = hub["base_url"]
    c.JupyterHub.cookie_max_age_days = hub["cookie_max_age_days"]
    # JupyterHub counts starts waiting in our line (hub/start_queue.py) as
    # pending spawns and refuses (429) every start beyond this limit: with a
    # class arriving at once that would fail learners who could simply wait.
    # The line decides how many start at once; this stays only as an outer
    # guard an operator may set (default 0: no limit).
    c.JupyterHub.concurrent_spawn_limit = hub["concurrent_spawn_limit"]
    # Servers and routes outlive the hub: restarting or upgrading the hub
    # must not cost learners their running kernels.
    c.JupyterHub.cleanup_servers = False
    c.JupyterHub.cleanup_proxy = False
    # an upgraded JupyterHub migrates its database as it starts; a SQLite file is copied first
    # (jupyterhub.dbutil.upgrade_if_needed; deploy/local prunes the copies, webservice/backups.py)
    c.JupyterHub.upgrade_db = True
    _origins(c, hub)


def _origins(c, hub: dict) -> None:
    """Each person's servers on their own origin (<name>.<host>), so JavaScript
    they or their apps serve cannot use the hub's login (config/origins.py).
    The proxy routes by host then (--host-routing: deploy/local/processes.py,
    render/subdomains.py on Kubernetes)."""
    if not hub.get("subdomain_host"):
        return
    c.JupyterHub.subdomain_host = hub["subdomain_host"]
    # __Host- cookies cannot be set by a subdomain for the hub's host (cookie
    # tossing, GHSA-7r3h-4ph8-w38g); browsers take them only over https
    c.JupyterHub.cookie_host_prefix_enabled = hub["subdomain_host"].startswith("https://")


def _services(c, config: dict, tokens: Mapping[str, str], urls: Mapping[str, str], spawner_section: str) -> None:
    hub_services, service_roles = services.hub_services(config, tokens, urls)
    merge.by_name(c.JupyterHub, "services", hub_services)
    merge.by_name(c.JupyterHub, "load_roles", [*service_roles, *load_roles(config)])
    scopes = services.user_scopes(hub_services)
    if scopes:
        _everyone_may_use(c, scopes, spawner_section)
    if any(entry["name"] == links.NAME for entry in hub_services):
        # the nav bar's Help link and the spawn and error pages' links to the portal (templates)
        merge.update_dict(c.JupyterHub, "template_vars", {"campushub_help": help_links(config["hub"])})
    addresses = services.server_environment(hub_services, config)
    if addresses:
        # .update(): on top of what a parent class's section holds (a chart's KubeSpawner.environment)
        getattr(c, spawner_section).environment.update(addresses)


def _everyone_may_use(c, scopes: list[str], spawner_section: str) -> None:
    """Every user may log in to these services (the default `user` role holds
    only `self`, no access:services) and their servers' tokens may call them.
    The `user` role is redefined through load_roles, which JupyterHub 5.5 and
    6 both take (6's extra_user_scopes would be ignored beside it: kept here)."""
    from jupyterhub.roles import get_default_roles  # here: the hub's own process only

    extra = sorted(merge.current(c.JupyterHub, "extra_user_scopes", set()))
    merge.by_name(c.JupyterHub, "load_roles", [{"name": "user", "scopes": ["self", *extra, *scopes]}])
    # A server's token gets the `server` role's scopes unless told otherwise;
    # JupyterHub gives it the subset of these that its user holds.
    server = next(r for r in get_default_roles() if r["name"] == "server")["scopes"]
    section = getattr(c, spawner_section)
    current = merge.current(section, "server_token_scopes", None)
    if callable(current):
        return  # someone computes them: theirs to extend
    merge.extend(section, "server_token_scopes", [*(current or server), *scopes])


def _policies(c, config: dict, spawner_section: str) -> None:
    spawner = getattr(c, spawner_section)
    spawner.site_config = config  # its policies, environments and limits (hub/policy)
    spawner.default_url = config["spawner"]["default_url"]
    policies = [config["policies"]["default"], *config["policies"]["groups"].values()]
    if any((p.get("max_servers") or 1) > 1 for p in policies) or apps_config.enabled(config):
        c.JupyterHub.allow_named_servers = True
        # Per user, from their policy, plus apps.max_per_person (apps are
        # named servers); PolicyMixin keeps the two budgets apart at each start.
        c.JupyterHub.named_server_limit_per_user = named_server_limit_for(config)


def _starts(c, spawner: dict, spawner_section: str) -> None:
    """The start line (PolicyMixin.start_turn). JupyterHub bounds all of
    Spawner.start() by start_timeout, time in line included: the mixin
    lengthens it by queue_timeout for each start and holds the start itself
    to the configured value (hub/policy/start_turn.py), so the deployment's
    start_timeout keeps meaning "once it is this server's turn"."""
    getattr(c, spawner_section).concurrent_starts = spawner["concurrent_starts"]
    # how soon a server that ended on its own is noticed (and, locally, its leftovers stopped)
    getattr(c, spawner_section).poll_interval = spawner["poll_interval"]


def _embedding(c, config: dict, spawner_section: str) -> None:
    origins = config["embedding"]["allowed_origins"]
    if not origins:
        return  # JupyterHub's defaults: no framing by other sites
    csp = "frame-ancestors 'self' " + " ".join(origins)
    # Inside another site's iframe the hub's cookies are third-party
    # cookies: browsers send them only when marked SameSite=None; Secure.
    # Partitioned too, for browsers that block third-party cookies (cookies.py).
    allow_partitioned()
    cookies = {"samesite": "None", "secure": True, "partitioned": True}
    merge.update_dict(c.JupyterHub, "tornado_settings",
                      {"headers": {"Content-Security-Policy": csp}, "cookie_options": cookies})
    # User servers get the same policy; JupyterHub hands cookie_options to
    # their login cookies, and the server's own _xsrf cookie needs it too.
    # The environment's server config applies the variable (singleuser_files).
    server_settings = {"headers": {"Content-Security-Policy": csp}, "xsrf_cookie_kwargs": cookies}
    # .update(): on top of what a parent class's section holds (a chart's KubeSpawner.environment)
    getattr(c, spawner_section).environment.update({"CAMPUSHUB_TORNADO_SETTINGS": json.dumps(server_settings)})


def _projects(c, config: dict) -> None:
    """Declared projects become project groups at each hub start (projects/declared.py:
    works whether or not the authenticator manages groups, where load_groups does not)."""
    from ..config.projects import declared
    from ..projects.declared import DeclaredProjects

    merge.update_dict(c.DeclaredProjects, "projects", declared(config))  # beside ones set before this
    DeclaredProjects.install()


def _ui(c, ui: dict) -> None:
    from ..i18n.jinja import I18nExtension

    I18nExtension.fixed_language = ui["language"]
    merge.prepend(c.JupyterHub, "template_paths", [TEMPLATES])
    merge.update_dict(c.JupyterHub, "jinja_environment_options", {"extensions": [I18N_EXTENSION]})
