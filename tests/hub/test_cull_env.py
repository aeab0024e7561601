"""What a server is told about culling at spawn (hub/cull_env.py): its
kernels' culling, and the limits and texts of the warning before the hub's
culler stops it, for this person (groups, admin) and in their language."""

from __future__ import annotations

import json
import re
from pathlib import Path

from campushub.config import validate
from campushub.hub.cull_env import KERNELS_ENV, SERVER_ENV, TEXTS, culling_env
from campushub.i18n import catalog

PLUGIN = Path(__file__).resolve().parents[2] / "campushub" / "singleuser" / "labextension" / "src" / "cull_warning.js"


def env(culling: dict, groups=(), admin=False, lang="en") -> dict:
    return culling_env(validate({"culling": culling}), groups, admin, lang)


def test_defaults_cull_kernels_and_warn_five_minutes_before_an_hour():
    found = env({})
    assert json.loads(found[KERNELS_ENV]) == {"timeout": 3600, "interval": 300, "cull_busy": False,
                                              "cull_connected": True}
    cull = json.loads(found[SERVER_ENV])
    assert (cull["timeout"], cull["max_age"], cull["warning"]) == (3600, 0, 300)
    assert cull["texts"]["Keep working"] == "Keep working"


def test_the_longest_group_timeout_and_the_persons_language():
    culling = {"timeout": 600, "groups": {"analysts": {"timeout": 28800}, "night": {"timeout": 7200, "max_age": 90000}}}
    cull = json.loads(env(culling, ["analysts", "night"], lang="ja")[SERVER_ENV])
    assert (cull["timeout"], cull["max_age"]) == (28800, 90000)
    assert cull["texts"]["Keep working"] == catalog("ja")["Keep working"] != "Keep working"
    assert json.loads(env(culling, ["someone-else"])[SERVER_ENV])["timeout"] == 600


def test_no_warning_where_the_culler_keeps_the_server_or_none_is_wanted():
    assert SERVER_ENV not in env({"cull_admins": False}, admin=True)
    assert SERVER_ENV in env({"cull_admins": False}, admin=False)
    assert SERVER_ENV not in env({"enabled": False})
    # no warning wanted: the extension still knows the limits, so reads are still not activity
    assert json.loads(env({"warning": 0})[SERVER_ENV])["warning"] == 0
    # kernels are culled inside the server whatever happens to the server
    assert KERNELS_ENV in env({"enabled": False})
    assert KERNELS_ENV not in env({"kernels": {"timeout": 0}})


def test_the_page_shows_exactly_these_texts_and_each_is_translated():
    source = PLUGIN.read_text()
    shown = set(re.findall(r"'((?:This server will|Keep working|Your server)[^']*)'", source))
    assert shown == set(TEXTS)
    for lang in ("ja", "ru"):
        missing = [t for t in TEXTS if not catalog(lang).get(t)]
        assert not missing, f"{lang}: {missing}"
        assert all("{minutes}" in catalog(lang)[t] for t in TEXTS if "{minutes}" in t)


def test_a_spawner_without_a_site_configuration_gets_no_culling_variables():
    # our spawner in a plain jupyterhub_config.py (tests/hub/test_jupyterhub55.py): site_config is {}
    assert culling_env({}, [], False, "en") == {}
