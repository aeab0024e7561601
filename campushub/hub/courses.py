"""A server's courses, the same in both deployments: which ones its user's
groups get, and what the Launcher's "Update course materials" page
(singleuser/course_sync_page.py) lists and says. How they reach the home
folder is the deployment's: deploy/local/spawner/course_sync.py locally."""

from __future__ import annotations

import json

from ..content import sync
from ..i18n import N_, translate

UPDATE_TITLE = N_("Update course materials")
UPDATE_INTRO = N_("Get the latest version of each course. Your own changes are kept; new and updated files are added.")
UPDATE_BUTTON = N_("Update")


def for_server(spawner) -> list[tuple[str, dict]]:
    """(name, spec) of each course of the spawner's user; none without a site configuration."""
    if not spawner.site_config:
        return []
    return sync.courses_for(spawner.site_config, {g.name for g in spawner.user.groups})


def launcher_env(lang: str, found: list[tuple[str, dict]]) -> dict[str, str]:
    """The server's environment variables for the Launcher page, in `lang`."""
    listed = [{"name": name, "title": spec.get("title") or name, "folder": sync.target(name, spec),
               "link": sync.server_sync_link(name, spec)} for name, spec in found]
    texts = {"lang": lang, "heading": translate(lang, UPDATE_TITLE), "intro": translate(lang, UPDATE_INTRO),
             "button": translate(lang, UPDATE_BUTTON)}
    return {"CAMPUSHUB_COURSES": json.dumps(listed), "CAMPUSHUB_COURSE_SYNC_TEXTS": json.dumps(texts),
            "CAMPUSHUB_COURSE_SYNC_TITLE": texts["heading"]}
