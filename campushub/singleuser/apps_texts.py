"""Installed into every user environment as the server extension
`campushub_apps_texts` (singleuser/files.py; it imports nothing of
CampusHub): hands JupyterLab's "Share an app" plugin (labextension/src/apps.js)
its labels, which the hub translated at spawn (CAMPUSHUB_APPS_TEXTS,
hub/apps/texts.py), in the page config. The hub sets the variable only where
the site runs apps; without it the plugin adds nothing."""

import json
import os


def _jupyter_server_extension_points():
    return [{"module": "campushub_apps_texts"}]


def _load_jupyter_server_extension(serverapp):
    try:
        texts = json.loads(os.environ.get("CAMPUSHUB_APPS_TEXTS") or "null")
    except ValueError:
        texts = None
    if not isinstance(texts, dict):
        return
    labels = {k: v for k, v in texts.items() if isinstance(k, str) and isinstance(v, str)}
    serverapp.web_app.settings.setdefault("page_config_data", {})["campushubApps"] = json.dumps(labels)
