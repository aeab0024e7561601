"""The hub of a Zero to JupyterHub release: the shared hub configuration
(hub/settings.py) on top of what the chart has set up, plus KubeSpawner with
our group policies. The chart keeps its proxy, and its database unless the
site configuration names one (hub.db_url, normally from the release's
Secret). A release's `hub.extraConfig` needs only

    from campushub.deploy.kubernetes.hub_config import apply_from_file
    apply_from_file(c, "/etc/campushub/campushub.yaml")

Runs on the chart's JupyterHub 5.5 as on 6.x: only traits both declare.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from traitlets.config import LazyConfigValue

from ...config import ConfigError, load, validate
from ...hub import merge, services, settings
from .secrets import fill_from_env
from .service_place import running

SPAWNER = "campushub.deploy.kubernetes.spawner.CampusHubKubeSpawner"


def apply(c, config: dict, environ: Mapping[str, str] = os.environ) -> None:
    """config: a loaded campushub.yaml with its secrets filled in (apply_from_file)."""
    settings.apply(c, config, spawner_section="CampusHubKubeSpawner",
                   service_tokens={**_chart_tokens(c), **services.tokens_from_env(environ)},
                   service_urls=_service_urls(config))
    c.JupyterHub.spawner_class = SPAWNER
    # JupyterHub's default class for the chart's proxy, able to leave out its activity (hub/culling)
    c.JupyterHub.proxy_class = "campushub.hub.culling.route_activity.ServerActivityCHP"
    # The spawn form and its checks replace the chart's profiles: a
    # singleuser.profileList (a values file of the site's own, one kept from
    # a plain Z2JH release) would otherwise apply its default profile's
    # image and resources over every checked choice, at every start.
    c.CampusHubKubeSpawner.profile_list = []
    _literal_environment(c.CampusHubKubeSpawner)
    if config["hub"]["db_url"]:
        c.JupyterHub.db_url = config["hub"]["db_url"]


def _service_urls(config: dict) -> dict[str, str]:
    """Where our services' Deployments answer (render/hub_service.py): the
    hub's service entries, and the CAMPUSHUB_*_URL its servers get (services.py)."""
    return {p.service: p.url() for p in running(config)}


def _chart_tokens(c) -> dict[str, str]:
    """Tokens of the services the chart's own configuration has registered
    (hub.services: it makes each one a token, render/hub_service.py lists ours)."""
    return {e["name"]: e["api_token"] for e in merge.current(c.JupyterHub, "services", [])
            if isinstance(e, dict) and e.get("name") and e.get("api_token")}


def _literal_environment(section) -> None:
    """KubeSpawner fills {username}-style fields into environment values, and
    a brace it cannot fill fails every spawn: our values are literal (JSON)."""
    current = section.get("environment")
    if current is None:
        return
    lazy = isinstance(current, LazyConfigValue)
    values = current.get_value({}) if lazy else current
    escaped = {k: v.replace("{", "{{").replace("}", "}}") if k.startswith("CAMPUSHUB_") and isinstance(v, str) else v
               for k, v in values.items()}
    if lazy:  # still an update of whatever a parent section (the chart's KubeSpawner) holds
        del section["environment"]
        section.environment.update(escaped)
    else:
        section.environment = escaped


def apply_from_file(c, path: str | Path, environ: Mapping[str, str] | None = None) -> dict:
    """Load the mounted site file, take its secrets from the environment, apply it; return the config."""
    environ = os.environ if environ is None else environ
    # validated again once filled: a secret from the Secret is checked like one in the file
    config = validate(fill_from_env(_load_mounted(path), environ), str(path))
    apply(c, config, environ)
    return config


def _load_mounted(path: str | Path) -> dict:
    try:
        return load(path)
    except ConfigError:
        if Path(path).is_file():
            raise
        # The loader's wording is the CLI's ("pass ... to --config"); here the
        # file is the one the release's values mount (hub.extraFiles).
        what = "is not a regular file" if os.path.lexists(path) else "file not found"
        raise ConfigError(f"{what}; the hub reads the site configuration the release's values mount here "
                          "(hub.extraFiles campushub-yaml): run `campushub k8s render` again and the README's "
                          "`helm upgrade` with its values.yaml", path=str(path)) from None
