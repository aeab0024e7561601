"""Who gets the gateway's address at spawn (hub/remote_kernels_env.py):
members of remote_kernels.groups only, never an app server, nobody when
remote kernels are off; the dialog's labels come translated with it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from campushub.config import loads
from campushub.hub.remote_kernels_env import GATEWAY_ENV, TEXTS, TEXTS_ENV, remote_kernels_env
from campushub.i18n import catalog

PLUGIN = Path(__file__).resolve().parents[2] / "campushub" / "singleuser" / "labextension" / "src" / "culled.js"
URL = "http://127.0.0.1:10106/services/remote-kernels/"
SITE = """
profiles:
  small: {cpu: 1, memory: 1G}
remote_kernels: {enabled: true, groups: [ml]}
"""


def env(site: str = SITE, groups=("ml",), lang="en", app=False) -> dict:
    # the spawner's environment holds the address for everyone (hub/services.py server_env)
    return remote_kernels_env({GATEWAY_ENV: URL, "OTHER": "1"}, loads(site), groups, lang, app)


def test_members_get_the_address_and_translated_labels():
    found = env(lang="ja")
    assert found[GATEWAY_ENV] == URL and found["OTHER"] == "1"
    labels = json.loads(found[TEXTS_ENV])
    assert labels["Restart"] == catalog("ja")["Restart"] != "Restart"
    assert set(labels) == set(TEXTS)


def test_others_app_servers_and_sites_without_remote_kernels_get_nothing():
    for found in (env(groups=("students",)), env(groups=()), env(app=True),
                  env(SITE.replace("enabled: true", "enabled: false")),
                  remote_kernels_env({GATEWAY_ENV: URL}, {}, ["ml"], "en", False)):
        assert GATEWAY_ENV not in found and TEXTS_ENV not in found


def test_no_groups_means_everyone():
    assert env(SITE.replace("groups: [ml]", "groups: []"), groups=())[GATEWAY_ENV] == URL


def test_the_plugin_asks_for_exactly_these_labels():
    asked = set(re.findall(r"say\('([^']+)'\)", PLUGIN.read_text()))
    assert asked == set(TEXTS)
