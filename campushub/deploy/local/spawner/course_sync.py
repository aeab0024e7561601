"""Syncing a user's courses as their local server starts (content/sync.py
does the work; hub/courses.py says which). Runs as the user, inside the
server's cgroup, before the server."""

from __future__ import annotations

import hashlib
import pwd
from pathlib import Path

from ....content import sync
from ....hub import courses as hub_courses
from ....i18n import N_, translate

NOT_UPDATED = N_("Some course materials could not be updated; your server starts with the version you have. See {file} in your home folder.")  # noqa: E501


def courses(spawner) -> list[tuple[str, dict]]:
    # without the shared venv there is no nbgitpuller to sync with
    return hub_courses.for_server(spawner) if spawner.env_dir else []


def _trust_file(spawner) -> Path:
    """Where the git config trusting this site's file:// courses goes.

    Readable by the learners, so not in the (private) data dir: in the shared
    install prefix, under a name of this site's own, since two sites on one
    machine trust different repositories."""
    config = spawner.site_config
    site = hashlib.sha256(str(config["data_dir"]).encode()).hexdigest()[:12]
    return Path(config["install_prefix"]) / "etc" / f"courses-{site}.gitconfig"


def sync_courses(spawner, found: list[tuple[str, dict]]) -> str | None:
    """Pull every course; a message for the progress page if any failed."""
    entry = pwd.getpwnam(spawner.unix_name)
    preexec = spawner.make_preexec_fn(spawner.unix_name)
    env = {"HOME": entry.pw_dir, "USER": entry.pw_name, "LANG": "C.UTF-8",
           "PATH": f"{spawner.env_dir}/bin:/usr/local/bin:/usr/bin:/bin"}
    env.update(sync.trust_local_repos(_trust_file(spawner), found))
    problems = {}
    for name, spec in found:
        reason = sync.pull(spawner.env_dir, name, spec, entry.pw_dir, preexec, env)
        if reason:
            spawner.log.warning("Course %s was not synced into %s's home: %s", name, spawner.user.name, reason)
            problems[name] = (sync.target(name, spec), reason)
    lang = spawner.language()
    sync.write_notice(spawner.env_dir, entry.pw_dir, lang, problems, preexec, env, [name for name, _ in found])
    return translate(lang, NOT_UPDATED, file=sync.NOTICE_FILE) if problems else None

