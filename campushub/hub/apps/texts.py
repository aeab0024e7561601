"""The JupyterLab plugin's labels (labextension/src/apps.js) in the person's
language, handed to their server at spawn in one environment variable, as the
assignments extension gets its texts (hub/assignment_texts.py); the server
extension campushub_apps_texts (singleuser/apps_texts.py) puts them in
JupyterLab's page config. The plugin cannot ask the hub from the page: with
hub.subdomain_host the page's origin is the person's own, where the hub's
login cookie is never sent. Without the variable (apps off) it adds nothing."""

from __future__ import annotations

import json

from ...config import apps as apps_config
from ...i18n import N_, translate

TEXTS_ENV = "CAMPUSHUB_APPS_TEXTS"

TEXTS = (
    N_("Share an app"),
    N_("Run as app…"),
    N_("Start an app from a file and share its link"),
)


def server_env(config: dict, lang: str) -> dict[str, str]:
    """The variable with every label in `lang`, only where the site runs apps."""
    if not config or not apps_config.enabled(config):
        return {}  # a plain jupyterhub_config.py without a site configuration, or no apps
    return {TEXTS_ENV: json.dumps({text: translate(lang, text) for text in TEXTS}, ensure_ascii=False)}
