"""Site configuration -> JupyterHub traitlets configuration.

This is the only place that knows both vocabularies. It only sets traits
that JupyterHub and our Configurables declare, so an admin can still
override anything in an extra jupyterhub_config.py.
"""

from __future__ import annotations

import json
import os
from importlib import resources

from ..config import parse_bytes
from ..deploy.local.layout import Layout
from . import logscrub
from .auth import configure_identity
from .cookies import allow_partitioned
from .policy.spawner import named_server_limit_for
from .roles import load_roles

TEMPLATES = str(resources.files("campushub.hub").joinpath("templates"))
API_TOKEN_ENV = "CAMPUSHUB_API_TOKEN"


def apply(c, config: dict, layout: Layout, env_dir: str | None) -> None:
    logscrub.install()
    _hub(c, config["hub"], layout)
    _proxy(c, config["hub"], layout)
    _auth(c, config, layout)
    _spawner(c, config, layout, env_dir)
    _services(c, layout, config)
    _embedding(c, config)
    _ui(c, config["ui"])


def _hub(c, hub: dict, layout: Layout) -> None:
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = hub["hub_port"]
    c.JupyterHub.base_url = hub["base_url"]
    c.JupyterHub.db_url = hub["db_url"] or f"sqlite:///{layout.db_file}"
    c.JupyterHub.cookie_secret_file = str(layout.cookie_secret)
    c.JupyterHub.cookie_max_age_days = hub["cookie_max_age_days"]
    c.JupyterHub.concurrent_spawn_limit = hub["concurrent_spawn_limit"]
    # Servers and routes outlive the hub: restarting or upgrading the hub
    # must not cost learners their running kernels.
    c.JupyterHub.cleanup_servers = False
    c.JupyterHub.cleanup_proxy = False


def _proxy(c, hub: dict, layout: Layout) -> None:
    c.JupyterHub.proxy_class = "campushub.hub.proxy.VerifiedRouteProxy"
    c.ConfigurableHTTPProxy.should_start = False  # `campushub up` runs it
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub['proxy_api_port']}"
    c.ConfigurableHTTPProxy.auth_token = layout.secret(layout.proxy_token)
    scheme = "https" if hub["https"]["cert"] else "http"
    c.JupyterHub.bind_url = f"{scheme}://{hub['ip']}:{hub['port']}{hub['base_url']}"


def _auth(c, config: dict, layout: Layout) -> None:
    kind = config["auth"]["type"]
    c.Authenticator.admin_users = set(config["hub"]["admin_users"]) | set(layout.admins())
    if kind == "native":
        _native(c, config, layout)
    else:
        # Each identity module maps its own section, so it stays readable alone.
        configure_identity(c, config)
        c.JupyterHub.template_vars = {"native_accounts": False}


def _native(c, config: dict, layout: Layout) -> None:
    native = config["auth"]["native"]
    c.JupyterHub.authenticator_class = "campushub.hub.auth.native.CampusHubAuthenticator"
    c.CampusHubAuthenticator.open_signup = native["open_signup"]
    c.CampusHubAuthenticator.enable_signup = native["enable_signup"]
    c.CampusHubAuthenticator.minimum_password_length = native["minimum_password_length"]
    c.CampusHubAuthenticator.check_common_password = True
    c.CampusHubAuthenticator.bootstrap_admin_file = str(layout.bootstrap_admin)
    if config["roles"]["admin_groups"]:
        from .auth.identity import admin_hook

        c.CampusHubAuthenticator.post_auth_hook = admin_hook(config["roles"]["admin_groups"])
    # Approval by an admin is the gate; every approved account may log in.
    c.Authenticator.allow_all = True
    c.JupyterHub.template_vars = {"native_accounts": True}


def _spawner(c, config: dict, layout: Layout, env_dir: str | None) -> None:
    spawner, limits = config["spawner"], config["limits"]
    c.JupyterHub.spawner_class = "campushub.deploy.local.spawner.system_user.SystemUserSpawner"
    s = c.SystemUserSpawner
    s.user_prefix = spawner["user_prefix"]
    s.home_root = spawner["home_root"]
    s.default_url = spawner["default_url"]
    s.start_timeout = spawner["start_timeout"]
    s.http_timeout = spawner["http_timeout"]
    s.cpu_limit = float(limits["cpu"])
    s.mem_limit = parse_bytes(limits["memory"])
    s.pids_limit = limits["pids"]
    s.allow_unlimited = limits["allow_unlimited"]
    s.nvidia_smi = limits["nvidia_smi"]
    s.log_dir = str(layout.user_logs)
    if env_dir:
        s.env_dir = env_dir
        # `up` published the site's tags in its data dir; resolved at each spawn
        s.environments_root = config["data_dir"]
    s.site_config = config
    _named_servers(c, config)


def _named_servers(c, config: dict) -> None:
    policies = [config["policies"]["default"], *config["policies"]["groups"].values()]
    if any((p.get("max_servers") or 1) > 1 for p in policies):
        c.JupyterHub.allow_named_servers = True
        # Per user, from their policy; PolicyMixin refuses named servers to
        # users whose policy allows only one.
        c.JupyterHub.named_server_limit_per_user = named_server_limit_for(config)


def _services(c, layout: Layout, config: dict) -> None:
    services = [{"name": "campushub-cli", "api_token": layout.secret(layout.cli_token)}]
    if os.environ.get(API_TOKEN_ENV):
        services.append({"name": "campushub-automation", "api_token": os.environ[API_TOKEN_ENV]})
    c.JupyterHub.services = services
    c.JupyterHub.load_roles = [
        {
            "name": "campushub-operator",
            "description": "The CLI and automation: manage users, groups and servers",
            "scopes": [
                "admin:users", "admin:servers", "admin:groups", "access:servers",
                "read:hub", "read:metrics", "tokens", "proxy", "shutdown",
            ],
            "services": [s["name"] for s in services],
        },
        *load_roles(config),
    ]


def _embedding(c, config: dict) -> None:
    origins = config["embedding"]["allowed_origins"]
    if not origins:
        return  # JupyterHub's defaults: no framing by other sites
    csp = "frame-ancestors 'self' " + " ".join(origins)
    # Inside another site's iframe the hub's cookies are third-party
    # cookies: browsers send them only when marked SameSite=None; Secure.
    # Partitioned too, for browsers that block third-party cookies (cookies.py).
    allow_partitioned()
    cookies = {"samesite": "None", "secure": True, "partitioned": True}
    c.JupyterHub.tornado_settings = {"headers": {"Content-Security-Policy": csp}, "cookie_options": cookies}
    # User servers get the same policy; JupyterHub hands cookie_options to
    # their login cookies, and the server's own _xsrf cookie needs it too.
    # The environment's server config applies the variable (singleuser_files).
    server_settings = {"headers": {"Content-Security-Policy": csp}, "xsrf_cookie_kwargs": cookies}
    c.Spawner.environment = {"CAMPUSHUB_TORNADO_SETTINGS": json.dumps(server_settings)}


def _ui(c, ui: dict) -> None:
    from ..i18n.jinja import I18nExtension

    I18nExtension.fixed_language = ui["language"]
    c.JupyterHub.template_paths = [TEMPLATES]
    c.JupyterHub.jinja_environment_options = {"extensions": ["campushub.i18n.jinja.I18nExtension"]}
